package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.config.VerticleBlock;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The configurations shipped in conf/ parse with the node's own loader and say what README's
 * tables say: the single-node default and the three-node loopback cluster.
 */
class ExampleConfigsTest {

  private static JsonObject load(String file) throws Exception {
    return ConfigLoader.load(new JsonObject(Files.readString(Path.of(file))), Map.of());
  }

  private static Set<String> enabled(JsonObject tree) {
    Set<String> on = new TreeSet<>();
    for (String name : ConfigNames.BUILT_IN) {
      if (VerticleBlock.from(name, tree.getJsonObject("verticles")).enabled()) {
        on.add(name);
      }
    }
    return on;
  }

  @Test
  void theSingleNodeConfigRunsEverything() throws Exception {
    JsonObject tree = load("conf/vertdesk.json");
    assertEquals(new TreeSet<>(ConfigNames.BUILT_IN), enabled(tree));
    assertEquals(21116, ServerConfig.from(tree).basePort());
  }

  @Test
  void theThreeLoopbackNodesSplitTheVerticlesAsReadmeSays() throws Exception {
    Map<String, Set<String>> expected = Map.of(
        "conf/cluster/node1.json", Set.of("udp", "signaling", "nat", "admin"),
        "conf/cluster/node2.json", Set.of("signaling", "relay", "admin"),
        "conf/cluster/node3.json", Set.of("relay", "ws", "wsrelay", "admin"));
    Map<String, Integer> basePorts = Map.of(
        "conf/cluster/node1.json", 21116, "conf/cluster/node2.json", 22116, "conf/cluster/node3.json", 23116);
    String clusterName = null;
    for (var e : expected.entrySet()) {
      JsonObject tree = load(e.getKey());
      assertEquals(new TreeSet<>(e.getValue()), enabled(tree), e.getKey());
      ServerConfig server = ServerConfig.from(tree);
      assertEquals(basePorts.get(e.getKey()), server.basePort(), e.getKey());
      ClusterConfig cluster = ClusterConfig.from(tree);
      assertEquals("127.0.0.1", cluster.withHost(null).host(), e.getKey() + ": loopback only");
      if (clusterName == null) {
        clusterName = cluster.name();
      }
      assertEquals(clusterName, cluster.name(), e.getKey() + ": one cluster");
      if (e.getValue().contains("relay")) {
        assertTrue(tree.getJsonObject("verticles").getJsonObject("relay").getJsonObject("config")
            .getBoolean("brokeredOnly"), e.getKey() + ": brokered-only relay");
      }
    }
  }
}
