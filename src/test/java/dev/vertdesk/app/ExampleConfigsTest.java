package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.Deployment;
import dev.vertdesk.config.NodeConfig;
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

  private static NodeConfig load(String file) throws Exception {
    return NodeConfig.load(new JsonObject(Files.readString(Path.of(file))), Map.of());
  }

  private static Set<String> enabled(NodeConfig config) {
    Set<String> on = new TreeSet<>();
    for (Deployment<?> d : config.builtIns()) {
      if (d.enabled()) {
        on.add(d.name());
      }
    }
    return on;
  }

  @Test
  void theSingleNodeConfigRunsEverything() throws Exception {
    NodeConfig config = load("conf/vertdesk.json");
    assertEquals(new TreeSet<>(NodeConfig.BUILT_IN), enabled(config));
    assertEquals(21116, config.server().basePort());
  }

  @Test
  void theThreeLoopbackNodesSplitTheVerticlesAsReadmeSays() throws Exception {
    Map<String, Set<String>> expected = Map.of(
        "conf/cluster/node1.json", Set.of("udp", "signaling", "nat", "admin"),
        "conf/cluster/node2.json", Set.of("signaling", "relay", "api", "admin"),
        "conf/cluster/node3.json", Set.of("relay", "ws", "wsrelay", "admin"));
    Map<String, Integer> basePorts = Map.of(
        "conf/cluster/node1.json", 21116, "conf/cluster/node2.json", 22116, "conf/cluster/node3.json", 23116);
    String clusterName = null;
    for (var e : expected.entrySet()) {
      NodeConfig config = load(e.getKey());
      assertEquals(new TreeSet<>(e.getValue()), enabled(config), e.getKey());
      assertEquals(basePorts.get(e.getKey()), config.server().basePort(), e.getKey());
      ClusterConfig cluster = config.cluster();
      assertEquals("127.0.0.1", cluster.withHost(null).host(), e.getKey() + ": loopback only");
      if (clusterName == null) {
        clusterName = cluster.name();
      }
      assertEquals(clusterName, cluster.name(), e.getKey() + ": one cluster");
      if (e.getValue().contains("relay")) {
        assertTrue(config.relay().options().brokeredOnly(), e.getKey() + ": brokered-only relay");
      }
    }
  }
}
