package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed node configuration: ports derived as in rustdesk-server, and strict keys. */
class NodeConfigTest {

  @TempDir
  Path dir;

  private NodeConfig config(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env);
  }

  private ConfigException refused(JsonObject conf, Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> config(conf, env));
  }

  private static JsonObject verticle(String name, JsonObject config) {
    return new JsonObject().put("verticles", new JsonObject().put(name, new JsonObject().put("config", config)));
  }

  @Test
  void theDefaultsAreRustdeskServersPorts() {
    NodeConfig c = config(new JsonObject(), Map.of());
    assertEquals(21116, c.udp().options().port());
    assertEquals(21116, c.signaling().options().port());
    assertEquals(21115, c.nat().options().port());
    assertEquals(21117, c.relay().options().port());
    assertEquals(21118, c.ws().options().port());
    assertEquals(21119, c.wsrelay().options().port());
    assertEquals(21120, c.admin().options().port());
    assertTrue(c.builtIns().stream().allMatch(Deployment::enabled), "every built-in verticle runs by default");
  }

  @Test
  void portFromTheEnvironmentMovesEveryListener() {
    NodeConfig c = config(new JsonObject(), Map.of("PORT", "31116", "BIND", "127.0.0.1"));
    assertEquals(31116, c.udp().options().port());
    assertEquals(31116, c.signaling().options().port());
    assertEquals(31115, c.nat().options().port());
    assertEquals(31117, c.relay().options().port(), "hbbr: PORT + 1");
    assertEquals(31118, c.ws().options().port());
    assertEquals(31119, c.wsrelay().options().port(), "the relay port + 2");
    assertEquals("127.0.0.1", c.relay().options().host());
  }

  @Test
  void theAdminPortStaysOnLoopbackWhateverBindSays() {
    NodeConfig c = config(new JsonObject(), Map.of("BIND", "0.0.0.0"));
    assertEquals("0.0.0.0", c.signaling().options().host());
    assertEquals("127.0.0.1", c.admin().options().host());
    NodeConfig opened = config(verticle("admin", new JsonObject().put("host", "10.0.0.5")), Map.of());
    assertEquals("10.0.0.5", opened.admin().options().host(), "opened on purpose");
  }

  @Test
  void theWebSocketRelayFollowsAnExplicitRelayPort() {
    NodeConfig c = config(verticle("relay", new JsonObject().put("port", 40000)), Map.of());
    assertEquals(40000, c.relay().options().port());
    assertEquals(40002, c.wsrelay().options().port());
    assertEquals(21116, c.signaling().options().port(), "the others stay on PORT");
  }

  @Test
  void aMisspelledKeyInTheFileStopsTheStartWithTheClosestKnownKey() {
    ConfigException top = refused(new JsonObject().put("relayServer", "r.example"), Map.of());
    assertEquals("relayServer", top.key());
    assertTrue(top.getMessage().contains("did you mean 'relayServers'?"), top.getMessage());

    ConfigException nested = refused(new JsonObject().put("limits", new JsonObject().put("ipMaxPerWindw", 5)), Map.of());
    assertTrue(nested.getMessage().contains("'limits.ipMaxPerWindw'")
        && nested.getMessage().contains("did you mean 'limits.ipMaxPerWindow'?"), nested.getMessage());

    ConfigException misplaced = refused(new JsonObject().put("ipMaxPerWindow", 5), Map.of());
    assertTrue(misplaced.getMessage().contains("did you mean 'limits.ipMaxPerWindow'?"), misplaced.getMessage());

    ConfigException unknown = refused(new JsonObject().put("colour", "blue"), Map.of());
    assertTrue(unknown.getMessage().contains("'colour': unknown key"), unknown.getMessage());
  }

  @Test
  void aMisspelledKeyInAVerticleBlockStopsTheStart() {
    ConfigException e = refused(verticle("relay", new JsonObject().put("chekKey", false)), Map.of());
    assertEquals("verticles.relay.config.chekKey", e.key());
    assertTrue(e.getMessage().contains("did you mean 'verticles.relay.config.checkKey'?"), e.getMessage());

    ConfigException block = refused(new JsonObject().put("verticles", new JsonObject()
        .put("udp", new JsonObject().put("enable", false))), Map.of());
    assertTrue(block.getMessage().contains("did you mean 'verticles.udp.enabled'?"), block.getMessage());
  }

  @Test
  void aMisspelledVariableStopsTheStartNamingIt() {
    ConfigException e = refused(new JsonObject(), Map.of("VERTDESK_LIMITS__IP_MAX_PER_WINDW", "99"));
    assertTrue(e.getMessage().contains("environment variable VERTDESK_LIMITS__IP_MAX_PER_WINDW names no configuration key"),
        e.getMessage());
    assertTrue(e.getMessage().contains("did you mean VERTDESK_LIMITS__IP_MAX_PER_WINDOW ('limits.ipMaxPerWindow')?"),
        e.getMessage());

    ConfigException block = refused(new JsonObject(), Map.of("VERTDESK_VERTICLES__RELAY__CONFIG__CHECK_KY", "false"));
    assertTrue(block.getMessage().contains("VERTDESK_VERTICLES__RELAY__CONFIG__CHECK_KEY"), block.getMessage());

    ConfigException value = refused(new JsonObject(), Map.of("VERTDESK_KEEP_ALIVE_SECONDS", "often"));
    assertTrue(value.getMessage().contains("'keepAliveSeconds': not an integer: often")
        && value.getMessage().contains("(from environment variable VERTDESK_KEEP_ALIVE_SECONDS)"), value.getMessage());
  }

  @Test
  void variablesOfTheWrapperAndTheAdminCommandLineAreNotConfigKeys() {
    NodeConfig c = config(new JsonObject(), Map.of("VERTDESK_JAR", "/usr/share/vertdesk/vertdesk.jar",
        "VERTDESK_ADMIN_TOKEN_FILE", "/var/lib/vertdesk/admin.token", "VERTDESK_LOG_LEVEL", "DEBUG"));
    assertEquals(21116, c.server().basePort());
  }

  @Test
  void pluginBlocksAreKeptForTheirPlugin() {
    NodeConfig c = config(new JsonObject().put("verticles", new JsonObject().put("webhook", new JsonObject()
        .put("enabled", true).put("config", new JsonObject().put("url", "http://127.0.0.1:1/x")))), Map.of());
    PluginBlock b = c.plugins().get("webhook");
    assertTrue(b.enabled());
    assertEquals("http://127.0.0.1:1/x", b.config().string("url"));
    assertEquals("verticles.webhook.config.url", b.config().path("url"));
    ConfigException wrong = refused(new JsonObject().put("verticles", new JsonObject().put("webhook",
        new JsonObject().put("enable", true))), Map.of());
    assertTrue(wrong.getMessage().contains("did you mean 'verticles.webhook.enabled'?"), wrong.getMessage());
  }

  @Test
  void anEmptyVariableKeepsTheDefaultAsRustdeskServerReadsIt() {
    NodeConfig c = config(new JsonObject(), Map.of("PORT", "", "VERTDESK_KEEP_ALIVE_SECONDS", " "));
    assertEquals(21116, c.server().basePort());
    assertEquals(30, c.server().keepAliveSeconds());
  }

  @Test
  void badValuesNameTheirKey() {
    assertEquals("verticles.udp.config.port", refused(verticle("udp", new JsonObject().put("port", 70000)), Map.of()).key());
    assertEquals("logFormat", refused(new JsonObject().put("logFormat", "xml"), Map.of()).key());
    assertEquals("trustedProxies", refused(new JsonObject().put("trustedProxies", "proxy.example"), Map.of()).key());
    assertEquals("cluster.host", refused(new JsonObject().put("cluster", new JsonObject().put("host", "h.example")),
        Map.of()).key());
    assertEquals("verticles.relay.config.totalBandwidth",
        refused(verticle("relay", new JsonObject().put("totalBandwidth", "fast")), Map.of()).key());
    assertFalse(config(new JsonObject().put("logFormat", "text"), Map.of()).operations().jsonLogs().orElseThrow());
  }
}
