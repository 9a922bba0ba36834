package dev.vertdesk.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.metrics.Metrics;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.PluginJars;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped webhook plugin (plugins/webhook, as the build compiles it), loaded from a plugins
 * directory, POSTs events to a local HTTP server, retries after a 500, gives up after
 * maxAttempts, and counts what it drops.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WebhookPluginTest {

  static final String STATS = "vertdesk.webhook.stats";

  @TempDir
  Path tmp;

  Path plugins;
  HttpServer http;
  String url;
  /** Statuses to answer, in order; 200 once they run out. */
  final BlockingQueue<Integer> script = new LinkedBlockingQueue<>();
  final BlockingQueue<Map<String, Object>> requests = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    Path classes = Path.of(System.getProperty("vertdesk.webhook.classes", "target/plugin-classes/webhook"));
    assertTrue(Files.isRegularFile(classes.resolve(PluginJars.SERVICE)),
        "the webhook plugin is compiled by the build (process-classes) into " + classes);
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.jar(classes, plugins.resolve("vertdesk-webhook.jar"));

    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    http.createContext("/hook", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      requests.add(Map.of(
          "method", ex.getRequestMethod(),
          "body", new String(body, StandardCharsets.UTF_8),
          "contentType", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")),
          "delivery", String.valueOf(ex.getRequestHeaders().getFirst("X-Vertdesk-Delivery")),
          "attempt", String.valueOf(ex.getRequestHeaders().getFirst("X-Vertdesk-Attempt")),
          "event", String.valueOf(ex.getRequestHeaders().getFirst("X-Vertdesk-Event")),
          "signature", String.valueOf(ex.getRequestHeaders().getFirst("X-Vertdesk-Signature")),
          "auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization"))));
      Integer status = script.poll();
      byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status == null ? 200 : status, answer.length);
      ex.getResponseBody().write(answer);
      ex.close();
    });
    http.start();
    url = "http://127.0.0.1:" + http.getAddress().getPort() + "/hook";
  }

  @AfterEach
  void tearDown() {
    http.stop(0);
  }

  private TestNode node(JsonObject webhookConfig) throws Exception {
    return TestNode.start(Files.createDirectories(tmp.resolve("data-" + System.nanoTime())), withWebhook(webhookConfig));
  }

  private JsonObject withWebhook(JsonObject webhookConfig) {
    return new JsonObject()
        .put("pluginsDir", plugins.toString())
        .put("verticles", new JsonObject().put("webhook", new JsonObject()
            .put("enabled", true).put("config", webhookConfig)));
  }

  private static JsonObject stats(TestNode node) throws Exception {
    return node.vertx.eventBus().<JsonObject>request(STATS, null).await(5, TimeUnit.SECONDS).body();
  }

  /** Polls the stats until {@code key} reaches {@code value} (or returns the last seen). */
  private static JsonObject awaitStat(TestNode node, String key, long value) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject s = stats(node);
    while (s.getLong(key) != value && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      s = stats(node);
    }
    return s;
  }

  @Test
  void itsCountersAreInTheNodesMetricsRegistry() throws Exception {
    script.add(500);
    JsonObject conf = new JsonObject().put("url", url).put("events", new JsonArray().add("peer.registered"))
        .put("backoffMillis", 100);
    Path data = Files.createDirectories(tmp.resolve("data-metrics"));
    try (TestNode node = TestNode.startWithMetrics(data, withWebhook(conf), Map.of())) {
      MeterRegistry registry = Metrics.registry(node.vertx).orElseThrow();
      try (UdpDevice d = new UdpDevice("555000333", "wh-metrics".getBytes(StandardCharsets.UTF_8),
          Nacl.signKeyPair().publicKey(), node.port("udp"))) {
        assertEquals(RegisterPkResponse.Result.OK, d.registerPk());
      }
      assertEquals(1L, awaitStat(node, "delivered", 1).getLong("delivered"));
      assertEquals(1.0, registry.get("vertdesk.webhook.events").tag("result", "delivered").functionCounter().count());
      assertEquals(1.0, registry.get("vertdesk.webhook.events").tag("result", "retried").functionCounter().count());
      assertEquals(0.0, registry.get("vertdesk.webhook.events").tag("result", "dropped").functionCounter().count());
      assertEquals(0.0, registry.get("vertdesk.webhook.queue").gauge().value());
    }
  }

  @Test
  void deliversARealEventAndRetriesAfterA500() throws Exception {
    script.add(500);
    JsonObject conf = new JsonObject().put("url", url).put("events", new JsonArray().add("peer.registered"))
        .put("backoffMillis", 200).put("maxAttempts", 3).put("secret", "s3cret")
        .put("headers", new JsonObject().put("Authorization", "Bearer abc"));
    try (TestNode node = node(conf)) {
      try (UdpDevice d = new UdpDevice("555000111", "wh-uuid".getBytes(StandardCharsets.UTF_8),
          Nacl.signKeyPair().publicKey(), node.port("udp"))) {
        assertEquals(RegisterPkResponse.Result.OK, d.registerPk());
      }
      Map<String, Object> first = requests.poll(5, TimeUnit.SECONDS);
      assertNotNull(first, "the event was POSTed");
      long t1 = System.nanoTime();
      Map<String, Object> second = requests.poll(5, TimeUnit.SECONDS);
      assertNotNull(second, "retried after the 500");
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) >= 100, "after the backoff");

      assertEquals("POST", first.get("method"));
      assertEquals("application/json", first.get("contentType"));
      assertEquals("1", first.get("attempt"));
      assertEquals("2", second.get("attempt"));
      assertEquals(first.get("delivery"), second.get("delivery"), "one delivery id across attempts");
      assertEquals(first.get("body"), second.get("body"));
      assertEquals("peer.registered", first.get("event"));
      assertEquals("Bearer abc", first.get("auth"));
      JsonObject event = new JsonObject((String) first.get("body"));
      assertEquals("peer.registered", event.getString("type"));
      assertEquals("555000111", event.getString("id"));
      assertEquals(node.core().nodeId(), event.getString("node"));
      assertEquals("sha256=" + hmac("s3cret", (String) first.get("body")), first.get("signature"));

      JsonObject s = awaitStat(node, "delivered", 1);
      assertEquals(1, s.getLong("delivered"), s.encode());
      assertEquals(1, s.getLong("retried"), s.encode());
      assertEquals(0, s.getLong("failed"), s.encode());
      assertEquals(0, s.getLong("dropped"), s.encode());
      assertEquals(0, s.getInteger("queued"), s.encode());

      // only the selected events are sent
      node.core().events().peerOffline("555000111");
      assertNull(requests.poll(500, TimeUnit.MILLISECONDS), "peer.offline is not selected");
    }
  }

  @Test
  void givesUpAfterMaxAttemptsAndAtOnceOnA4xxThenGoesOn() throws Exception {
    script.add(503);
    script.add(503);
    script.add(400);
    JsonObject conf = new JsonObject().put("url", url).put("events", "peer.*")
        .put("backoffMillis", 50).put("maxAttempts", 2);
    try (TestNode node = node(conf)) {
      node.core().events().peerOnline("1", "192.0.2.1");   // 503, 503: failed after 2 attempts
      node.core().events().peerOffline("2");               // 400: failed, not retried
      node.core().events().idChanged("3", "4", "192.0.2.1"); // 200
      JsonObject s = awaitStat(node, "delivered", 1);
      assertEquals(1, s.getLong("delivered"), s.encode());
      assertEquals(2, s.getLong("failed"), s.encode());
      assertEquals(1, s.getLong("retried"), s.encode());
      assertEquals(4, requests.size(), "2 + 1 + 1 attempts");
      Map<String, Object> last = null;
      for (Map<String, Object> r : requests) {
        last = r;
      }
      assertEquals("peer.id-changed", last.get("event"), "order kept");
    }
  }

  @Test
  void aFullQueueDropsAndCountsEvents() throws Exception {
    for (int i = 0; i < 10; i++) {
      script.add(500);
    }
    JsonObject conf = new JsonObject().put("url", url).put("events", "*")
        .put("backoffMillis", 60_000).put("maxAttempts", 10).put("queueSize", 2);
    try (TestNode node = node(conf)) {
      for (int i = 0; i < 5; i++) {
        node.core().events().peerOffline("id" + i);
      }
      JsonObject s = awaitStat(node, "dropped", 3);
      assertEquals(3, s.getLong("dropped"), s.encode());
      assertEquals(5, s.getLong("received"), s.encode());
      assertEquals(2, s.getInteger("queued"), "the one waiting for its retry and one behind it");
      assertEquals(0, s.getLong("delivered"), s.encode());
    }
  }

  @Test
  void anUnreachableUrlIsRetriedAndCountedAsFailed() throws Exception {
    http.stop(0); // nothing listens there any more
    JsonObject conf = new JsonObject().put("url", url).put("backoffMillis", 20).put("maxAttempts", 3)
        .put("timeoutMillis", 1000);
    try (TestNode node = node(conf)) {
      node.core().events().peerOffline("x");
      JsonObject s = awaitStat(node, "failed", 1);
      assertEquals(1, s.getLong("failed"), s.encode());
      assertEquals(2, s.getLong("retried"), s.encode());
    }
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1); // for tearDown
  }

  @Test
  void badConfigurationStopsTheStartNamingTheKey() throws Exception {
    String noUrl = PluginLoadingTest.messages(assertThrows(Exception.class, () -> node(new JsonObject())));
    assertTrue(noUrl.contains("verticles.webhook.config.url"), noUrl);
    String badUrl = PluginLoadingTest.messages(assertThrows(Exception.class,
        () -> node(new JsonObject().put("url", "ftp://example.com/"))));
    assertTrue(badUrl.contains("verticles.webhook.config.url"), badUrl);
    String badEvents = PluginLoadingTest.messages(assertThrows(Exception.class,
        () -> node(new JsonObject().put("url", url).put("events", "nothing.*"))));
    assertTrue(badEvents.contains("verticles.webhook.config.events") && badEvents.contains("peer.online"), badEvents);
    Path data = Files.createDirectories(tmp.resolve("data-two"));
    String two = PluginLoadingTest.messages(assertThrows(Exception.class, () -> TestNode.start(data,
        new JsonObject().put("pluginsDir", plugins.toString()).put("verticles", new JsonObject()
            .put("webhook", new JsonObject().put("enabled", true).put("instances", 2)
                .put("config", new JsonObject().put("url", url)))))));
    assertTrue(two.contains("verticles.webhook.instances"), two);
  }

  private static String hmac(String secret, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }
}
