package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.ServerConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every listener follows PORT as in rustdesk-server (PROTOCOL.md §1.2), and BIND gives the host. */
class PortDerivationTest {

  @TempDir
  Path dir;

  private ServerConfig config(JsonObject conf, Map<String, String> env) {
    return ServerConfig.from(ConfigLoader.load(conf.put("dataDir", dir.toString()), env));
  }

  private static int port(String verticle, ServerConfig cfg) {
    return MainVerticle.childConfig(verticle, cfg).getInteger("port");
  }

  @Test
  void theDefaultsAreRustdeskServersPorts() {
    ServerConfig cfg = config(new JsonObject(), Map.of());
    assertEquals(21116, port("udp", cfg));
    assertEquals(21116, port("signaling", cfg));
    assertEquals(21115, port("nat", cfg));
    assertEquals(21117, port("relay", cfg));
    assertEquals(21118, port("ws", cfg));
    assertEquals(21119, port("wsrelay", cfg));
    assertEquals(21120, port("admin", cfg));
  }

  @Test
  void portFromTheEnvironmentMovesEveryListener() {
    ServerConfig cfg = config(new JsonObject(), Map.of("PORT", "31116", "BIND", "127.0.0.1"));
    assertEquals(31116, port("udp", cfg));
    assertEquals(31116, port("signaling", cfg));
    assertEquals(31115, port("nat", cfg));
    assertEquals(31117, port("relay", cfg), "hbbr: PORT + 1");
    assertEquals(31118, port("ws", cfg));
    assertEquals(31119, port("wsrelay", cfg), "the relay port + 2");
    assertEquals("127.0.0.1", MainVerticle.childConfig("relay", cfg).getString("host"));
  }

  @Test
  void theAdminPortStaysOnLoopbackWhateverBindSays() {
    ServerConfig cfg = config(new JsonObject(), Map.of("BIND", "0.0.0.0"));
    assertEquals("0.0.0.0", MainVerticle.childConfig("signaling", cfg).getString("host"));
    assertEquals("127.0.0.1", MainVerticle.childConfig("admin", cfg).getString("host"));
    ServerConfig opened = config(new JsonObject().put("verticles", new JsonObject().put("admin",
        new JsonObject().put("config", new JsonObject().put("host", "10.0.0.5")))), Map.of());
    assertEquals("10.0.0.5", MainVerticle.childConfig("admin", opened).getString("host"), "opened on purpose");
  }

  @Test
  void theWebSocketRelayFollowsAnExplicitRelayPort() {
    ServerConfig cfg = config(new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject().put("port", 40000)))), Map.of());
    assertEquals(40000, port("relay", cfg));
    assertEquals(40002, port("wsrelay", cfg));
    assertEquals(21116, port("signaling", cfg), "the others stay on PORT");
  }
}
