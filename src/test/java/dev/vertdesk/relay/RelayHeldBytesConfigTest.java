package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verticles.relay.config.maxHeldBytes}: its derived default, its range, and its environment variable. */
class RelayHeldBytesConfigTest {

  static final long MIB = 1 << 20;

  @TempDir
  Path dir;

  private NodeConfig config(JsonObject verticles, Map<String, String> env) {
    return NodeConfig.load(new JsonObject().put("dataDir", dir.toString()).put("verticles", verticles), env);
  }

  private static JsonObject relay(Object maxHeldBytes) {
    return new JsonObject().put("relay", new JsonObject().put("config", new JsonObject().put("maxHeldBytes", maxHeldBytes)));
  }

  @Test
  void theDefaultIsAQuarterOfTheDirectMemoryLimit() {
    assertEquals(0, config(new JsonObject(), Map.of()).relay().options().maxHeldBytes(), "0: derived");
    assertEquals(128 * MIB, RelayHub.maxHeldBytes(0, 512 * MIB), "-Xmx512m");
    assertEquals(MIB, RelayHub.maxHeldBytes(0, 2 * MIB), "never below 1 MiB");
    assertEquals(40 * MIB, RelayHub.maxHeldBytes((int) (40 * MIB), 512 * MIB), "as configured");
  }

  @Test
  void anExplicitValueIsReadFromTheFileOrTheEnvironment() {
    assertEquals(64 * MIB, config(relay(64 * MIB), Map.of()).relay().options().maxHeldBytes());
    assertEquals(32 * MIB, config(new JsonObject(), Map.of("VERTDESK_VERTICLES__RELAY__CONFIG__MAX_HELD_BYTES",
        Long.toString(32 * MIB))).relay().options().maxHeldBytes());
  }

  @Test
  void badValuesNameTheKey() {
    for (Object bad : new Object[] {-1, 1000, MIB - 1, "lots", 1.5, 1L << 31}) {
      ConfigException e = assertThrows(ConfigException.class, () -> config(relay(bad), Map.of()), "value " + bad);
      assertTrue(e.getMessage().contains("verticles.relay.config.maxHeldBytes"), e.getMessage());
    }
  }

  @Test
  void anExplicitCapMustHoldTheLargestWebSocketMessage() {
    JsonObject v = relay(8 * MIB).put("wsrelay", new JsonObject().put("config",
        new JsonObject().put("maxMessageSize", 16 * MIB)));
    ConfigException e = assertThrows(ConfigException.class, () -> config(v, Map.of()));
    assertTrue(e.getMessage().contains("verticles.relay.config.maxHeldBytes"), e.getMessage());
    assertTrue(e.getMessage().contains("maxMessageSize"), e.getMessage());
    // without the WebSocket relay there is no such message
    v.getJsonObject("wsrelay").put("enabled", false);
    assertEquals(8 * MIB, config(v, Map.of()).relay().options().maxHeldBytes());
  }
}
