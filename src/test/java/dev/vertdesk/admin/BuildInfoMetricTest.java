package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.vertdesk.node.BuildInfo;
import dev.vertdesk.testing.AdminHttp;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} says which build runs: {@code vertdesk_build_info{version="..."} 1}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BuildInfoMetricTest {

  @TempDir
  Path dataDir;

  @Test
  void theVersionIsALabelOfBuildInfo() throws Exception {
    assertNotEquals("unknown", BuildInfo.version(), "the build wrote its version");
    try (TestNode node = TestNode.startWithMetrics(dataDir, new JsonObject(), Map.of())) {
      Map<String, Double> metrics = new AdminHttp(node.port("admin"), dataDir).scrape();
      assertEquals(1.0, metrics.get("vertdesk_build_info{version=\"" + BuildInfo.version() + "\"}"),
          "series: " + metrics.keySet().stream().filter(k -> k.startsWith("vertdesk_build")).toList());
    }
  }
}
