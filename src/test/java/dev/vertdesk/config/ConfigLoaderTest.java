package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  private ServerConfig load(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env).server();
  }

  private JsonObject tree(Map<String, String> env) {
    return ConfigLoader.load(new JsonObject().put("dataDir", dir.toString()), env).tree();
  }

  @Test
  void defaultsMatchHbbs() {
    ServerConfig c = load(new JsonObject(), Map.of());
    assertEquals(21116, c.basePort());
    assertEquals("-", c.key());
    assertEquals("db_v2.sqlite3", c.dbUrl());
    assertTrue(c.relayServers().isEmpty());
    assertFalse(c.alwaysUseRelay());
    assertEquals(new ServerConfig.Limits(60, 30, 300, 6, 3), c.limits());
  }

  @Test
  void rustdeskNamesAreCaseAndSeparatorInsensitive() {
    ServerConfig c = load(new JsonObject(), Map.of(
        "relay-servers", "a.example:21117,b.example",
        "Always_Use_Relay", "y",
        "port", "31116",
        "DB_URL", "sqlite://peers.db",
        "MASK", "192.168.0.0/16",
        "LOCAL_IP", "192.168.1.5",
        "KEY", "_"));
    assertEquals(List.of("a.example:21117", "b.example"), c.relayServers());
    assertTrue(c.alwaysUseRelay());
    assertEquals(31116, c.basePort());
    assertEquals("sqlite://peers.db", c.dbUrl());
    assertEquals("192.168.1.5", c.localIp());
    assertEquals("_", c.key());
    assertTrue(c.mask().orElseThrow().contains(java.net.InetAddress.getLoopbackAddress()) == false);
  }

  @Test
  void dotEnvIsReadAndWinsOverTheEnvironmentAsInHbbs() throws Exception {
    Files.writeString(dir.resolve(".env"), "# rustdesk-server .env\nRELAY_SERVERS=\"from.env:21117\"\nPORT=21000\nexport RMEM=4194304\n");
    ServerConfig c = load(new JsonObject(), Map.of("PORT", "22000", "KEY", "_"));
    assertEquals(List.of("from.env:21117"), c.relayServers());
    assertEquals(21000, c.basePort(), ".env over the inherited environment");
    assertEquals("_", c.key(), "what .env does not set comes from the environment");
    ServerConfig prefixed = load(new JsonObject(), Map.of("VERTDESK_PORT", "23000"));
    assertEquals(23000, prefixed.basePort(), "VERTDESK_* variables win over both");
    JsonObject tree = tree(Map.of());
    assertEquals("4194304", tree.getJsonObject("verticles").getJsonObject("udp").getJsonObject("config").getString("rmem"));
  }

  @Test
  void prefixedVariablesReachAnyKey() {
    Map<String, String> env = Map.of(
        "VERTDESK_VERTICLES__NAT__ENABLED", "false",
        "VERTDESK_LIMITS__IP_MAX_PER_WINDOW", "99",
        "VERTDESK_ALWAYS_USE_RELAY", "true");
    assertEquals("false", tree(env).getJsonObject("verticles").getJsonObject("nat").getString("enabled"));
    NodeConfig c = NodeConfig.load(new JsonObject().put("dataDir", dir.toString()), env);
    assertEquals(99, c.server().limits().ipMaxPerWindow());
    assertTrue(c.server().alwaysUseRelay());
    assertFalse(c.nat().enabled());
  }

  @Test
  void badValuesNameTheirKey() {
    var e1 = assertThrows(ConfigException.class, () -> load(new JsonObject().put("port", "abc"), Map.of()));
    assertTrue(e1.getMessage().contains("'port'"), e1.getMessage());
    var e2 = assertThrows(ConfigException.class, () -> load(new JsonObject(), Map.of("MASK", "10.0.0.0/40")));
    assertTrue(e2.getMessage().contains("'mask'"), e2.getMessage());
    var e3 = assertThrows(ConfigException.class, () -> load(new JsonObject(), Map.of("ALWAYS_USE_RELAY", "maybe")));
    assertTrue(e3.getMessage().contains("'alwaysUseRelay'"), e3.getMessage());
    var e4 = assertThrows(ConfigException.class, () -> new ConfigBlock(new JsonObject().put("port", 70000),
        "verticles.udp.config").integer("port", 0, 65535));
    assertTrue(e4.getMessage().contains("'verticles.udp.config.port'"), e4.getMessage());
    var e5 = assertThrows(ConfigException.class, () -> load(new JsonObject().put("bind", "example.org"), Map.of()));
    assertTrue(e5.getMessage().contains("'bind'"), e5.getMessage());
  }

  @Test
  void hbbrLimitsThatAreNotPositiveKeepTheDefaultAsInHbbr() throws Exception {
    Files.writeString(dir.resolve(".env"), "LIMIT_SPEED=0\nTOTAL_BANDWIDTH=-5\nSINGLE_BANDWIDTH=64\n");
    JsonObject relay = tree(Map.of("DOWNGRADE_START_CHECK", "0"))
        .getJsonObject("verticles").getJsonObject("relay").getJsonObject("config");
    assertEquals(32, relay.getInteger("limitSpeed"), "hbbr keeps its default for 0");
    assertEquals(1024, relay.getInteger("totalBandwidth"));
    assertEquals(1800, relay.getInteger("downgradeStartCheck"));
    assertEquals("64", relay.getString("singleBandwidth"), "a positive value is taken");
    // under our own keys, 0 is unlimited
    JsonObject ours = tree(Map.of("VERTDESK_VERTICLES__RELAY__CONFIG__TOTAL_BANDWIDTH", "0"))
        .getJsonObject("verticles").getJsonObject("relay").getJsonObject("config");
    assertEquals("0", ours.getString("totalBandwidth"));
  }

  @Test
  void dotEnvParsing() {
    Map<String, String> m = CompatOptions.parseDotEnv("A=1\n# c\n\nB = 'two' \nC=x # note\nexport D=\"q r\"\nnoequals\n");
    assertEquals(Map.of("A", "1", "B", "two", "C", "x", "D", "q r"), m);
  }
}
