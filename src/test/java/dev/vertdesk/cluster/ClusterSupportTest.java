package dev.vertdesk.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hazelcast configuration built from the JSON {@code cluster} block or from a file. */
class ClusterSupportTest {

  @TempDir
  Path dir;

  private static ClusterConfig cluster(JsonObject block) {
    return NodeConfig.load(new JsonObject().put("cluster", block), Map.of()).cluster();
  }

  @Test
  void jsonBlockGivesTcpJoinOnTheConfiguredInterfaceAndNoPhoneHome() {
    Config cfg = ClusterSupport.hazelcastConfig(cluster(new JsonObject().put("name", "east")
        .put("host", "10.0.0.5").put("port", 6000).put("portCount", 3)
        .put("members", "10.0.0.6, 10.0.0.7:6001")));
    assertEquals("east", cfg.getClusterName());
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled(), "no multicast");
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "no cloud auto-detection");
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("10.0.0.5", "10.0.0.6", "10.0.0.7:6001"), join.getTcpIpConfig().getMembers());
    assertEquals(6000, cfg.getNetworkConfig().getPort());
    assertEquals(3, cfg.getNetworkConfig().getPortCount());
    assertTrue(cfg.getNetworkConfig().getInterfaces().getInterfaces().contains("10.0.0.5"));
    assertEquals("false", cfg.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("slf4j", cfg.getProperty("hazelcast.logging.type"));
    assertTrue(cfg.getMultiMapConfigs().containsKey("__vertx.subs"), "Vert.x's own maps kept");
  }

  @Test
  void shippedXmlFileIsUsedAndKeepsVertxMapsAndNoPhoneHome() {
    Config cfg = ClusterSupport.hazelcastConfig(cluster(new JsonObject()
        .put("configFile", Path.of("conf/cluster.xml").toAbsolutePath().toString())));
    assertEquals("vertdesk", cfg.getClusterName());
    assertFalse(cfg.getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
    assertEquals(List.of("127.0.0.1"), cfg.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertTrue(cfg.getMultiMapConfigs().containsKey("__vertx.subs"));
    assertEquals("false", cfg.getProperty("hazelcast.phone.home.enabled"));
  }

  @Test
  void withoutClusterHostHazelcastFollowsTheLaunchersClusterHostElseLoopback() {
    ClusterConfig unset = cluster(new JsonObject());
    assertEquals("", unset.host());
    // -cluster-host 10.0.0.5: Hazelcast binds and announces that interface, as the event bus does
    Config followed = ClusterSupport.hazelcastConfig(unset.withHost("10.0.0.5"));
    assertTrue(followed.getNetworkConfig().getInterfaces().getInterfaces().contains("10.0.0.5"));
    assertEquals("10.0.0.5", followed.getProperty("hazelcast.local.localAddress"));
    // no -cluster-host: loopback only, never a public interface by accident
    Config alone = ClusterSupport.hazelcastConfig(unset.withHost(null));
    assertEquals("127.0.0.1", alone.getProperty("hazelcast.local.localAddress"));
    // an explicit cluster.host wins over -cluster-host
    assertEquals("10.0.0.7", cluster(new JsonObject().put("host", "10.0.0.7")).withHost("10.0.0.5").host());
  }

  @Test
  void aFileThatAsksForMulticastIsRefusedAndAutoDetectionIsSwitchedOff() throws Exception {
    Path multicast = Files.writeString(dir.resolve("multicast.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <network><join><multicast enabled="true"/></join></network>
        </hazelcast>
        """);
    ConfigException refused = assertThrows(ConfigException.class, () -> ClusterSupport.hazelcastConfig(
        cluster(new JsonObject().put("configFile", multicast.toString()))));
    assertTrue(refused.getMessage().contains("cluster.configFile") && refused.getMessage().contains("multicast"),
        refused.getMessage());
    Path noJoin = Files.writeString(dir.resolve("nojoin.xml"), """
        <hazelcast xmlns="http://www.hazelcast.com/schema/config">
          <network><join><auto-detection enabled="true"/></join></network>
        </hazelcast>
        """);
    JoinConfig join = ClusterSupport.hazelcastConfig(cluster(new JsonObject().put("configFile", noJoin.toString())))
        .getNetworkConfig().getJoin();
    assertFalse(join.getAutoDetectionConfig().isEnabled(), "no cloud or Kubernetes discovery");
    assertFalse(join.getMulticastConfig().isEnabled());
  }

  @Test
  void missingOrBrokenFileNamesTheKey() throws Exception {
    ConfigException missing = assertThrows(ConfigException.class, () -> ClusterSupport.hazelcastConfig(
        cluster(new JsonObject().put("configFile", dir.resolve("absent.xml").toString()))));
    assertTrue(missing.getMessage().contains("cluster.configFile"), missing.getMessage());
    Path broken = Files.writeString(dir.resolve("broken.xml"), "<hazelcast><network>");
    ConfigException bad = assertThrows(ConfigException.class, () -> ClusterSupport.hazelcastConfig(
        cluster(new JsonObject().put("configFile", broken.toString()))));
    assertTrue(bad.getMessage().contains("cluster.configFile"), bad.getMessage());
  }

  @Test
  void badValuesNameTheirKey() {
    assertTrue(assertThrows(ConfigException.class, () -> cluster(new JsonObject().put("host", "example.org")))
        .getMessage().contains("cluster.host"));
    assertTrue(assertThrows(ConfigException.class, () -> cluster(new JsonObject().put("port", 70000)))
        .getMessage().contains("cluster.port"));
    assertTrue(assertThrows(ConfigException.class, () -> cluster(new JsonObject().put("members", "a b")))
        .getMessage().contains("cluster.members"));
  }

  @Test
  void environmentReachesTheClusterBlock() {
    ClusterConfig c = NodeConfig.load(new JsonObject(),
        Map.of("VERTDESK_CLUSTER__NAME", "from-env", "VERTDESK_CLUSTER__MEMBERS", "10.1.1.1,10.1.1.2")).cluster();
    assertEquals("from-env", c.name());
    assertEquals(List.of("10.1.1.1", "10.1.1.2"), c.members());
  }
}
