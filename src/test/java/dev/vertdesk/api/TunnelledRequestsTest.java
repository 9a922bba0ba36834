package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.events.HttpProxyCall;
import dev.vertdesk.node.BoundPorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The API node's side of the tunnel against a stand-in API port: what is replayed and what is not,
 * whose address a replayed request vouches for, and the bounds (requests at once, answer size).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunnelledRequestsTest {

  private static final String ADDRESS = "test.tunnel";

  private Vertx vertx;
  private BoundPorts ports;
  private TunnelledRequests tunnel;
  /** Requests the stand-in API holds without answering. */
  private final ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ports = new BoundPorts();
    tunnel = new TunnelledRequests(vertx, ports, "127.0.0.1");
    HttpServer api = vertx.createHttpServer().requestHandler(this::standInApi);
    ports.bound("api", api.listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS).actualPort());
    vertx.eventBus().<JsonObject>consumer(ADDRESS, tunnel::replay).completion().await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void standInApi(HttpServerRequest r) {
    switch (r.path()) {
      case "/hold" -> held.add(r);
      case "/big" -> r.response().setChunked(true).write(Buffer.buffer(new byte[TunnelledRequests.MAX_ANSWER_BYTES]))
          .compose(v -> r.response().end(Buffer.buffer(new byte[1])));
      default -> r.body().onSuccess(body -> {
        JsonObject seen = new JsonObject().put("vouchedFor", tunnel.clientOf(r).orElse(null))
            .put("method", r.method().name()).put("uri", r.uri()).put("body", body.toString());
        r.headers().forEach(h -> seen.put("h:" + h.getKey().toLowerCase(), h.getValue()));
        r.response().putHeader("Content-Type", "application/json").putHeader("Connection", "keep-alive")
            .putHeader("X-Answer", "1").end(seen.encode());
      });
    }
  }

  private static JsonObject call(String method, String path, Map<String, String> headers, String body) {
    List<HttpProxyCall.Header> h = new ArrayList<>();
    headers.forEach((n, v) -> h.add(new HttpProxyCall.Header(n, v)));
    return new HttpProxyCall.Request(method, path, h, body.getBytes(StandardCharsets.UTF_8), "198.51.100.20", 5000)
        .toJson();
  }

  private Future<Message<JsonObject>> send(JsonObject call) {
    return vertx.eventBus().request(ADDRESS, call, new DeliveryOptions().setSendTimeout(10_000));
  }

  private static String failure(Future<?> f) throws Exception {
    try {
      f.await(10, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a refusal");
  }

  @Test
  void theRequestIsReplayedWithTheClientsAddressAndWithoutItsForwardingHeaders() throws Exception {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("Authorization", "Bearer t");
    headers.put("Content-Type", "application/json");
    headers.put("Content-Length", "999");
    headers.put("Accept-Encoding", "gzip");
    headers.put("X-Real-IP", "10.0.0.1");
    headers.put("X-Forwarded-For", "10.0.0.2");
    headers.put("Forwarded", "for=10.0.0.3");
    headers.put("X-Vertdesk-Tunnel", "guess");
    headers.put("Host", "evil.example");
    HttpProxyCall.Response r = HttpProxyCall.Response.fromJson(
        send(call("PUT", "/echo?a=1&b=%20", headers, "{\"x\":1}")).await(10, TimeUnit.SECONDS).body());
    assertEquals(200, r.status());
    JsonObject seen = new JsonObject(new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("198.51.100.20", seen.getString("vouchedFor"), "the address signaling saw");
    assertEquals("PUT", seen.getString("method"));
    assertEquals("/echo?a=1&b=%20", seen.getString("uri"));
    assertEquals("{\"x\":1}", seen.getString("body"));
    assertEquals("Bearer t", seen.getString("h:authorization"));
    assertEquals("7", seen.getString("h:content-length"), "the body's own length");
    assertEquals("198.51.100.20", seen.getString("h:x-real-ip"));
    assertNull(seen.getString("h:accept-encoding"), "the client does not inflate tunnelled answers");
    assertNull(seen.getString("h:x-forwarded-for"));
    assertNull(seen.getString("h:forwarded"));
    assertFalse(seen.getString("h:host").contains("evil"));
    assertTrue(r.headers().contains(new HttpProxyCall.Header("X-Answer", "1")));
    assertTrue(r.headers().stream().noneMatch(h -> h.name().equalsIgnoreCase("connection")), "hop-by-hop");
  }

  @Test
  void onlyTheNodesOwnReplaysVouchForAnAddress() throws Exception {
    io.vertx.core.http.HttpClient plain = vertx.createHttpClient();
    String body = plain.request(io.vertx.core.http.HttpMethod.GET, ports.get("api").getAsInt(), "127.0.0.1", "/echo")
        .compose(req -> req.putHeader("X-Vertdesk-Tunnel", "0".repeat(64)).putHeader("X-Real-IP", "10.0.0.1").send())
        .compose(resp -> resp.body()).await(10, TimeUnit.SECONDS).toString();
    assertNull(new JsonObject(body).getString("vouchedFor"), "a guessed secret vouches for nothing");
  }

  @Test
  void moreRequestsAtOnceThanTheBoundAreRefusedAtOnce() throws Exception {
    List<Future<Message<JsonObject>>> running = new ArrayList<>();
    for (int i = 0; i < TunnelledRequests.MAX_IN_FLIGHT; i++) {
      running.add(send(call("GET", "/hold", Map.of(), "")));
    }
    assertEquals(TunnelledRequests.BUSY, failure(send(call("GET", "/hold", Map.of(), ""))));
    // once they are answered there is room again
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int answered = 0;
    while (answered < TunnelledRequests.MAX_IN_FLIGHT && System.nanoTime() < end) {
      HttpServerRequest r = held.poll();
      if (r == null) {
        Thread.sleep(1); // polling the stand-in's queue until the deadline
        continue;
      }
      r.response().end();
      answered++;
    }
    assertEquals(TunnelledRequests.MAX_IN_FLIGHT, answered, "every held request reached the API");
    Future.all(running).await(10, TimeUnit.SECONDS);
    assertEquals(200, HttpProxyCall.Response.fromJson(send(call("GET", "/echo", Map.of(), ""))
        .await(10, TimeUnit.SECONDS).body()).status());
  }

  @Test
  void anAnswerTooLargeToCarryBackIsRefused() throws Exception {
    assertEquals(TunnelledRequests.TOO_LARGE, failure(send(call("GET", "/big", Map.of(), ""))));
    assertEquals(200, HttpProxyCall.Response.fromJson(send(call("GET", "/echo", Map.of(), ""))
        .await(10, TimeUnit.SECONDS).body()).status(), "and the next is served");
  }

  @Test
  void aMalformedCallOrNoApiPortIsRefused() throws Exception {
    assertEquals(TunnelledRequests.MALFORMED, failure(send(new JsonObject().put("method", "GET"))));
    ports.released("api");
    assertEquals(TunnelledRequests.UNREACHABLE, failure(send(call("GET", "/echo", Map.of(), ""))));
  }
}
