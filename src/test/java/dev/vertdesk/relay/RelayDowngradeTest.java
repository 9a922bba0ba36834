package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The sticky downgrade of §7.4, with DOWNGRADE_START_CHECK shortened to one second. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayDowngradeTest {

  @TempDir
  Path dataDir;

  @Test
  void aPairAboveTheThresholdIsHeldToLimitSpeed() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 8).put("limitSpeed", 2)
            .put("downgradeThreshold", 0.5).put("downgradeStartCheck", 1)))))) {
      String key = node.core().keys().validationKey().orElseThrow();
      int port = node.port("relay");
      String u = UUID.randomUUID().toString();
      try (RelayClient a = new RelayClient(port).request(u, key);
           RelayClient b = new RelayClient(port).request(u, key)) {
        new RelayLimitsTest.Blaster(a);
        double first = RelayLimitsTest.measureMbps(b, 0, 900);
        assertTrue(first > 6, "full SINGLE_BANDWIDTH before the check starts: " + first);
        RelaySessions sessions = node.relay().sessions();
        assertFalse(sessions.list().get(0).downgraded());
        // average 8 Mb/s > 0.5 × 8: downgraded at the first check after one second, for good
        double later = RelayLimitsTest.measureMbps(b, 1500, 2000);
        assertTrue(later > 1.6 && later < 2.4, "LIMIT_SPEED 2 Mb/s after the downgrade: " + later);
        assertTrue(sessions.list().get(0).downgraded());
      }
    }
  }
}
