package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.JarProcess;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's webhook plugin (target/plugins/vertdesk-webhook.jar) is found in the default
 * plugins directory next to the packaged jar and delivers a real registration.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PluginsIT {

  @TempDir
  Path dataDir;

  @Test
  void theShippedWebhookPluginRunsFromPluginsNextToTheJar() throws Exception {
    Path jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar"));
    assertTrue(Files.isRegularFile(jar.resolveSibling("plugins").resolve("vertdesk-webhook.jar")),
        "the build puts the webhook plugin next to the jar");

    BlockingQueue<JsonObject> posted = new LinkedBlockingQueue<>();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    http.createContext("/events", ex -> {
      posted.add(new JsonObject(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    http.start();
    JsonObject port0 = new JsonObject().put("port", 0);
    JsonObject verticles = new JsonObject();
    for (String name : dev.vertdesk.config.NodeConfig.BUILT_IN) {
      verticles.put(name, new JsonObject().put("config", port0.copy()));
    }
    verticles.put("webhook", new JsonObject().put("enabled", true).put("config", new JsonObject()
        .put("url", "http://127.0.0.1:" + http.getAddress().getPort() + "/events")
        .put("events", new JsonArray().add("peer.registered"))));
    JsonObject conf = new JsonObject().put("dataDir", dataDir.toString()).put("bind", "127.0.0.1")
        .put("verticles", verticles);
    try (JarProcess p = JarProcess.start(conf)) {
      Map<String, Integer> ports = p.awaitStarted(60_000);
      assertTrue(p.output().contains("plugin webhook deployed"), p.output());
      try (UdpDevice d = new UdpDevice("321321321", "it-uuid".getBytes(StandardCharsets.UTF_8),
          Nacl.signKeyPair().publicKey(), ports.get("udp"))) {
        assertEquals(RegisterPkResponse.Result.OK, d.registerPk());
      }
      JsonObject event = posted.poll(10, TimeUnit.SECONDS);
      assertNotNull(event, "POSTed by the plugin:\n" + p.output());
      assertEquals("peer.registered", event.getString("type"));
      assertEquals("321321321", event.getString("id"));
    } finally {
      http.stop(0);
    }
  }
}
