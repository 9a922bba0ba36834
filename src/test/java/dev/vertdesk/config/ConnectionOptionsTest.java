package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection limits: defaults that fit a 20 000- and a 1 M-descriptor process, and bad values refused. */
class ConnectionOptionsTest {

  @TempDir
  Path dir;

  private NodeConfig config(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env);
  }

  private void refused(String key, JsonObject conf, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> config(conf, env));
    assertEquals(key, e.key(), e.getMessage());
  }

  @Test
  void theNodeWideLimitIsDerivedFromTheOpenFileLimit() {
    NodeConfig c = config(new JsonObject(), Map.of());
    ConnectionOptions connections = c.connections();
    assertEquals(1000, connections.maxPerIp(), "generous: an office behind one address");
    assertEquals(OptionalInt.empty(), connections.maxTotal());
    assertEquals(18_976, connections.maxTotal(20_000), "1 024 descriptors kept on a 20 000-descriptor box");
    assertEquals(996_148, connections.maxTotal(1_048_576), "5 % kept under a 1 M systemd unit");
    assertEquals(3_072, connections.maxTotal(4_096));
    assertEquals(512, connections.maxTotal(1_024), "at most half kept");
    assertEquals(128, c.admin().options().maxConnections());
    assertEquals(32, c.admin().options().maxConnectionsPerIp());
  }

  @Test
  void aConfiguredLimitWins() {
    NodeConfig c = config(new JsonObject().put("connections", new JsonObject().put("maxTotal", 5000)),
        Map.of("VERTDESK_CONNECTIONS__MAX_PER_IP", "250"));
    assertEquals(5000, c.connections().maxTotal(20_000));
    assertEquals(250, c.connections().maxPerIp());
  }

  @Test
  void badValuesStopTheStart() {
    refused("connections.maxPerIp", new JsonObject().put("connections", new JsonObject().put("maxPerIp", 0)), Map.of());
    refused("connections.maxTotal", new JsonObject().put("connections", new JsonObject().put("maxTotal", -1)), Map.of());
    refused("connections.maxTotal", new JsonObject(), Map.of("VERTDESK_CONNECTIONS__MAX_TOTAL", "lots"));
    refused("verticles.admin.config.maxConnections", new JsonObject().put("verticles", new JsonObject()
        .put("admin", new JsonObject().put("config", new JsonObject().put("maxConnections", 0)))), Map.of());
    refused("verticles.admin.config.maxConnectionsPerIp", new JsonObject(),
        Map.of("VERTDESK_VERTICLES__ADMIN__CONFIG__MAX_CONNECTIONS_PER_IP", "-3"));
    ConfigException typo = assertThrows(ConfigException.class, () -> config(new JsonObject()
        .put("connections", new JsonObject().put("maxPerIP", 10)), Map.of()));
    assertTrue(typo.getMessage().contains("did you mean 'connections.maxPerIp'?"), typo.getMessage());
  }
}
