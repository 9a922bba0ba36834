package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.HttpProxyCall;
import dev.vertdesk.proto.HeaderEntry;
import dev.vertdesk.proto.HttpProxyRequest;
import dev.vertdesk.proto.HttpProxyResponse;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.testing.FakeConnection;
import dev.vertdesk.testing.InMemoryNode;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendezvous side of the API tunnel without sockets (docs/protocol.md §5.4.13): what enters is
 * checked, goes over the event bus in the shape {@link HttpProxyCall} declares, and every way the
 * API can fail to answer becomes an {@code error} text the client shows.
 */
class ApiTunnelServiceTest {

  @TempDir
  Path dir;

  private InMemoryNode node;
  private ApiTunnel tunnel;
  /** What reached the stand-in API node. */
  private final BlockingQueue<Message<JsonObject>> calls = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() {
    node = new InMemoryNode(dir, new JsonObject());
    tunnel = new ApiTunnel(node.vertx.eventBus(), node.core.events(), 500);
  }

  @AfterEach
  void close() throws Exception {
    node.close();
  }

  private void apiNode() throws Exception {
    node.vertx.eventBus().<JsonObject>consumer(Addresses.API_HTTP_PROXY, calls::add).completion()
        .await(1, TimeUnit.SECONDS);
  }

  private static HttpProxyRequest.Builder login() {
    return HttpProxyRequest.newBuilder().setMethod("POST").setPath("/api/login?x=1")
        .addHeaders(HeaderEntry.newBuilder().setName("Content-Type").setValue("application/json"))
        .setBody(ByteString.copyFromUtf8("{\"username\":\"admin\"}"));
  }

  private static HttpProxyResponse answer(FakeConnection c) throws Exception {
    return c.next(UnionCase.HTTP_PROXY_RESPONSE).getHttpProxyResponse();
  }

  @Test
  void theRequestTravelsWithTheClientsAddressAndTheAnswerComesBack() throws Exception {
    apiNode();
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    tunnel.forward(a, login().build());
    Message<JsonObject> m = calls.poll(1, TimeUnit.SECONDS);
    HttpProxyCall.Request call = HttpProxyCall.Request.fromJson(m.body());
    assertEquals("POST", call.method());
    assertEquals("/api/login?x=1", call.path());
    assertEquals(List.of(new HttpProxyCall.Header("Content-Type", "application/json")), call.headers());
    assertEquals("{\"username\":\"admin\"}", new String(call.body(), StandardCharsets.UTF_8));
    assertEquals("203.0.113.5", call.clientIp());
    assertEquals(500, call.timeoutMillis());
    m.reply(new HttpProxyCall.Response(401, List.of(new HttpProxyCall.Header("content-type", "application/json")),
        "{\"error\":\"Wrong username or password\"}".getBytes(StandardCharsets.UTF_8)).toJson());
    HttpProxyResponse r = answer(a);
    assertEquals(401, r.getStatus());
    assertEquals("", r.getError());
    assertEquals("content-type", r.getHeaders(0).getName());
    assertEquals("{\"error\":\"Wrong username or password\"}", r.getBody().toStringUtf8());
    assertFalse(a.closed, "the client hangs up once it has read the answer");
  }

  @Test
  void withoutAnApiNodeTheClientIsToldSo() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    tunnel.forward(a, login().build());
    assertEquals(ApiTunnel.NOT_AVAILABLE, answer(a).getError());
  }

  @Test
  void anApiNodeThatDoesNotAnswerInTimeIsAnError() throws Exception {
    apiNode();
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    tunnel.forward(a, login().build());
    assertEquals(ApiTunnel.TIMED_OUT, answer(a).getError());
  }

  @Test
  void theApiNodesRefusalIsShownAndAGarbledReplyIsNotAvailable() throws Exception {
    apiNode();
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    tunnel.forward(a, login().build());
    calls.poll(1, TimeUnit.SECONDS).fail(503, "The API server is busy; try again later");
    assertEquals("The API server is busy; try again later", answer(a).getError());
    tunnel.forward(a, login().build());
    calls.poll(1, TimeUnit.SECONDS).reply(new JsonObject().put("status", "two hundred"));
    assertEquals(ApiTunnel.NOT_AVAILABLE, answer(a).getError());
    tunnel.forward(a, login().build());
    calls.poll(1, TimeUnit.SECONDS).reply(null);
    assertEquals(ApiTunnel.NOT_AVAILABLE, answer(a).getError());
  }

  @Test
  void oneRequestAtATimePerConnectionAnsweredInOrder() throws Exception {
    apiNode();
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    tunnel.forward(a, login().build());
    tunnel.forward(a, login().build());
    assertEquals(ApiTunnel.ONE_AT_A_TIME, answer(a).getError(), "the second is refused while the first runs");
    calls.poll(1, TimeUnit.SECONDS).reply(new HttpProxyCall.Response(200, List.of(), new byte[0]).toJson());
    assertEquals(200, answer(a).getStatus());
    tunnel.forward(a, login().build());
    calls.poll(1, TimeUnit.SECONDS).reply(new HttpProxyCall.Response(204, List.of(), new byte[0]).toJson());
    assertEquals(204, answer(a).getStatus(), "free again once answered");
    FakeConnection other = FakeConnection.tcp("203.0.113.6", 50001);
    tunnel.forward(a, login().build());
    tunnel.forward(other, login().build());
    assertEquals(2, List.of(calls.poll(1, TimeUnit.SECONDS), calls.poll(1, TimeUnit.SECONDS)).size(),
        "other connections are not held up");
  }

  @Test
  void malformedRequestsAreRefusedWithATextAndNeverReachTheApi() throws Exception {
    apiNode();
    String longPath = "/api/" + "a".repeat(ApiTunnel.MAX_PATH);
    HttpProxyRequest.Builder manyHeaders = login();
    for (int i = 0; i <= ApiTunnel.MAX_HEADERS; i++) {
      manyHeaders.addHeaders(HeaderEntry.newBuilder().setName("X-" + i).setValue("v"));
    }
    HttpProxyRequest.Builder bigHeaders = login();
    for (int i = 0; i < 4; i++) {
      bigHeaders.addHeaders(HeaderEntry.newBuilder().setName("X-" + i).setValue("v".repeat(4000)));
    }
    List<HttpProxyRequest> bad = List.of(
        login().setMethod("").build(),
        login().setMethod("get").build(),
        login().setMethod("TRACE").build(),
        login().setMethod("CONNECT").build(),
        login().setPath("").build(),
        login().setPath("api/login").build(),
        login().setPath("http://example.com/api/login").build(),
        login().setPath("/api/login HTTP/1.1\r\nHost: x").build(),
        login().setPath("/api/l\u00f6gin").build(),
        login().setPath("/api/login'; drop table users; --").build(),
        login().setPath(longPath).build(),
        login().addHeaders(HeaderEntry.newBuilder().setName("Bad Name").setValue("v")).build(),
        login().addHeaders(HeaderEntry.newBuilder().setName("").setValue("v")).build(),
        login().addHeaders(HeaderEntry.newBuilder().setName("X-A:").setValue("v")).build(),
        login().addHeaders(HeaderEntry.newBuilder().setName("X-A").setValue("v\r\nX-Real-IP: 10.0.0.1")).build(),
        login().addHeaders(HeaderEntry.newBuilder().setName("X-A").setValue("\u0000")).build(),
        manyHeaders.build(),
        bigHeaders.build());
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    for (HttpProxyRequest req : bad) {
      tunnel.forward(a, req);
      HttpProxyResponse r = answer(a);
      assertFalse(r.getError().isEmpty(), "refused: " + req.getMethod() + " " + req.getPath());
      assertEquals(0, r.getStatus());
      assertEquals("http-proxy-malformed", node.event("rejected").getString("reason"));
    }
    assertTrue(calls.isEmpty(), "nothing reached the API");
    // SQL-like text in a query string is the API's business, as over HTTP
    tunnel.forward(a, login().setPath("/api/peers?name=%27%20or%201%3D1--").build());
    assertEquals("/api/peers?name=%27%20or%201%3D1--",
        HttpProxyCall.Request.fromJson(calls.poll(1, TimeUnit.SECONDS).body()).path());
  }

  @Test
  void theTimeoutIsConfiguredWithinItsRange() {
    for (Object bad : List.of(50, 60_001, "soon")) {
      ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(new JsonObject()
          .put("verticles", new JsonObject().put("signaling", new JsonObject().put("config",
              new JsonObject().put("httpProxyTimeoutMillis", bad)))), Map.of()));
      assertTrue(e.getMessage().contains("'verticles.signaling.config.httpProxyTimeoutMillis'"), e.getMessage());
    }
    assertEquals(10_000, NodeConfig.load(new JsonObject(), Map.of()).signaling().options().httpProxyTimeoutMillis());
  }

  @Test
  void theBodyShapesRefuseWhatIsNotThem() {
    for (JsonObject j : List.of(new JsonObject(), new JsonObject().put("method", 1),
        new JsonObject().put("method", "GET").put("path", "/").put("headers", new JsonArray().add("x"))
            .put("body", new byte[0]).put("clientIp", "1.2.3.4"))) {
      try {
        HttpProxyCall.Request.fromJson(j);
        throw new AssertionError("accepted " + j);
      } catch (IllegalArgumentException expected) {
        // refused as it should be
      }
    }
    byte[] body = {0, 1, 2, (byte) 255};
    HttpProxyCall.Request r = new HttpProxyCall.Request("PUT", "/api/x", List.of(new HttpProxyCall.Header("A", "b")),
        body, "::1", 10);
    HttpProxyCall.Request back = HttpProxyCall.Request.fromJson(new JsonObject(r.toJson().encode()));
    assertArrayEquals(body, back.body(), "bytes survive the JSON form");
    assertEquals(r.headers(), back.headers());
  }
}
