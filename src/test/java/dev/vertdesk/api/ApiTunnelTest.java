package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.accounts.User;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.proto.HeaderEntry;
import dev.vertdesk.proto.HttpProxyRequest;
import dev.vertdesk.proto.HttpProxyResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.SecureClient;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API through the rendezvous port as the client uses it when HTTP fails (docs/protocol.md
 * §5.4.13): over a secured signaling connection, an HttpProxyRequest gets the very answer the API
 * gives over HTTP, for the client's own address; whatever else arrives is refused with an error
 * text or a closed connection, and the API and the tunnel keep working.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiTunnelTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient http;
  static String key;
  static String adminPassword;

  @BeforeAll
  static void start() throws Exception {
    // loopback is no trusted proxy here: the tunnel names its client without relying on it
    node = TestNode.start(dataDir, new JsonObject()
        .put("trustedProxies", "192.0.2.1")
        .put("accounts", new JsonObject().put("ipFailuresPerWindow", 2))
        .put("verticles", new JsonObject().put("api", new JsonObject()
            .put("config", new JsonObject().put("maxBodyBytes", 4096)))));
    http = new ApiClient(node.port("api"));
    key = node.core().keys().validationKey().orElseThrow();
    adminPassword = Files.readString(dataDir.resolve("admin-password.txt")).trim();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A secured connection from {@code localIp}, as the client opens one per API call. */
  static SecureClient client(String localIp) throws Exception {
    return new SecureClient(node.port("signaling"), localIp, key);
  }

  static RendezvousMessage request(String method, String path, Map<String, String> headers, String body) {
    HttpProxyRequest.Builder b = HttpProxyRequest.newBuilder().setMethod(method).setPath(path)
        .setBody(ByteString.copyFromUtf8(body == null ? "" : body));
    headers.forEach((n, v) -> b.addHeaders(HeaderEntry.newBuilder().setName(n).setValue(v)));
    return RendezvousMessage.newBuilder().setHttpProxyRequest(b).build();
  }

  /** One call the client's way: a new secured connection, one request, one answer. */
  static HttpProxyResponse call(String localIp, String method, String path, Map<String, String> headers, String body)
      throws Exception {
    try (SecureClient c = client(localIp)) {
      c.send(request(method, path, headers, body));
      RendezvousMessage m = c.read(10_000);
      assertNotNull(m, "answered: " + method + " " + path);
      assertEquals(UnionCase.HTTP_PROXY_RESPONSE, m.getUnionCase());
      return m.getHttpProxyResponse();
    }
  }

  static Answer overHttp(String method, String path, Map<String, String> headers, String body) throws Exception {
    return http.send(method, path, body, headers);
  }

  static String header(HttpProxyResponse r, String name) {
    return r.getHeadersList().stream().filter(h -> h.getName().equalsIgnoreCase(name)).map(HeaderEntry::getValue)
        .findFirst().orElse(null);
  }

  /** The same status and body as over HTTP, and no tunnel error. */
  static void sameAsHttp(HttpProxyResponse tunnelled, Answer direct, String what) {
    assertEquals("", tunnelled.getError(), what);
    assertEquals(direct.status(), tunnelled.getStatus(), what);
    assertEquals(direct.body(), tunnelled.getBody().toStringUtf8(), what);
    assertEquals(direct.raw().headers().firstValue("content-type").orElse(null), header(tunnelled, "content-type"),
        what);
  }

  static String loginBody(String user, String password) {
    return ApiClient.login(user, password).encode();
  }

  @Test
  void loginAndCurrentUserGiveTheAnswersHttpGives() throws Exception {
    Answer direct = overHttp("POST", "/api/login", ApiClient.rust(), loginBody("admin", adminPassword));
    HttpProxyResponse viaTunnel = call("127.0.0.3", "POST", "/api/login", ApiClient.rust(),
        loginBody("admin", adminPassword));
    assertEquals(200, viaTunnel.getStatus(), viaTunnel.getBody().toStringUtf8());
    JsonObject d = direct.json();
    JsonObject t = new JsonObject(viaTunnel.getBody().toStringUtf8());
    String token = t.getString("access_token");
    assertNotEquals(d.getString("access_token"), token, "a login of its own");
    d.remove("access_token");
    t.remove("access_token");
    assertEquals(d, t, "the same answer apart from the token");

    // the tunnel's token is good over HTTP, and the answers match byte for byte
    Map<String, String> withToken = ApiClient.rust(token);
    String device = new JsonObject().put("id", "123456789").put("uuid", "dXVpZA==").encode();
    sameAsHttp(call("127.0.0.3", "POST", "/api/currentUser", withToken, device),
        overHttp("POST", "/api/currentUser", withToken, device), "currentUser");
    // Dart's headers, and the client's literal Content-Length of an empty POST
    Map<String, String> dart = new LinkedHashMap<>(ApiClient.dart(token));
    sameAsHttp(call("127.0.0.3", "POST", "/api/currentUser", dart, device),
        overHttp("POST", "/api/currentUser", dart, device), "currentUser, Dart's headers");
    Map<String, String> emptyPost = new LinkedHashMap<>(withToken);
    emptyPost.put("Content-Length", "0");
    sameAsHttp(call("127.0.0.3", "POST", "/api/currentUser", emptyPost, ""),
        overHttp("POST", "/api/currentUser", withToken, null), "currentUser with an empty body");
    // errors are the API's own
    sameAsHttp(call("127.0.0.3", "POST", "/api/currentUser", ApiClient.rust("forged"), device),
        overHttp("POST", "/api/currentUser", ApiClient.rust("forged"), device), "a forged token");
    sameAsHttp(call("127.0.0.3", "GET", "/api/no-such-thing?x=1", ApiClient.bearerOnly(token), null),
        overHttp("GET", "/api/no-such-thing?x=1", ApiClient.bearerOnly(token), null), "an unknown endpoint");
    HttpProxyResponse head = call("127.0.0.3", "HEAD", "/api/login-options", Map.of(), null);
    assertEquals(200, head.getStatus());
    assertTrue(head.getBody().isEmpty());
    sameAsHttp(call("127.0.0.3", "GET", "/api/login-options", ApiClient.rust(), null),
        overHttp("GET", "/api/login-options", ApiClient.rust(), null), "login options");
    // logout through the tunnel ends the token everywhere
    HttpProxyResponse logout = call("127.0.0.3", "POST", "/api/logout", withToken, device);
    assertEquals(200, logout.getStatus());
    assertEquals(401, overHttp("POST", "/api/currentUser", withToken, device).status());
  }

  @Test
  void theApisLimitsAndRefusalsApplyAsOverHttp() throws Exception {
    String big = new JsonObject().put("username", "x".repeat(5000)).encode();
    sameAsHttp(call("127.0.0.4", "POST", "/api/login", ApiClient.rust(), big),
        overHttp("POST", "/api/login", ApiClient.rust(), big), "over maxBodyBytes");
    String deep = "{\"a\":".repeat(200) + "1" + "}".repeat(200);
    sameAsHttp(call("127.0.0.4", "POST", "/api/login", ApiClient.rust(), deep),
        overHttp("POST", "/api/login", ApiClient.rust(), deep), "nested deeper than maxJsonDepth");
    String wrongTypes = new JsonObject().put("username", 5).put("password", List.of()).encode();
    sameAsHttp(call("127.0.0.4", "POST", "/api/login", ApiClient.rust(), wrongTypes),
        overHttp("POST", "/api/login", ApiClient.rust(), wrongTypes), "wrong types");
    sameAsHttp(call("127.0.0.4", "POST", "/api/login", ApiClient.rust(), "not json"),
        overHttp("POST", "/api/login", ApiClient.rust(), "not json"), "not JSON");
    HttpProxyResponse sqlish = call("127.0.0.4", "POST", "/api/login", ApiClient.rust(),
        loginBody("admin' or '1'='1", "x' or 1=1 --"));
    assertTrue(sqlish.getStatus() >= 400 && sqlish.getStatus() < 500, sqlish.getBody().toStringUtf8());
  }

  @Test
  void theClientsAddressIsTheOneSignalingSawAndCannotBeForged() throws Exception {
    ApiContext api = node.main.api().orElseThrow();
    User user = api.accounts().users().create("throttled", Argon2id.hash("right password"), false, "", "")
        .await(10, TimeUnit.SECONDS);
    assertNotNull(user);
    Map<String, String> forging = new LinkedHashMap<>(ApiClient.rust());
    forging.put("X-Real-IP", "10.1.2.3");
    forging.put("X-Forwarded-For", "10.1.2.4");
    forging.put("Forwarded", "for=10.1.2.5");
    forging.put("X-Vertdesk-Tunnel", "guess");
    for (int i = 0; i < 2; i++) {
      // a new forged address each time would dodge the per-address limit, if it were believed
      forging.put("X-Real-IP", "10.1.2." + (10 + i));
      assertEquals(401, call("127.0.0.5", "POST", "/api/login", forging, loginBody("throttled", "wrong")).getStatus());
    }
    HttpProxyResponse refused = call("127.0.0.5", "POST", "/api/login", forging,
        loginBody("throttled", "right password"));
    assertEquals(429, refused.getStatus(), "127.0.0.5 failed twice: " + refused.getBody().toStringUtf8());
    // another address is not held up: the limit is the tunnel client's, not the server's own
    assertEquals(200, call("127.0.0.6", "POST", "/api/login", ApiClient.rust(),
        loginBody("throttled", "right password")).getStatus());
    List<String> ips = api.db().list("select ip from login_log where user_name = ? order by created_at",
        r -> r.getString("ip"), "throttled").await(5, TimeUnit.SECONDS);
    assertEquals(List.of("127.0.0.5", "127.0.0.5", "127.0.0.5", "127.0.0.6"), ips);
  }

  @Test
  void onlyASecuredConnectionIsServed() throws Exception {
    RendezvousMessage login = request("POST", "/api/login", ApiClient.rust(), loginBody("admin", adminPassword));
    try (TcpClient plain = new TcpClient(node.port("signaling"), "127.0.0.7")) {
      plain.send(login); // the offer ignored: the connection goes on in clear
      assertNull(plain.read(2000), "no answer in clear");
      assertTrue(plain.closedByServer(2000));
    }
    try (WsClient ws = new WsClient(node.vertx, node.port("ws"))) {
      ws.send(login);
      assertTrue(ws.closedByServer(3000), "WebSocket clients never tunnel (they use HTTP)");
    }
    try (TcpClient plain = new TcpClient(node.port("signaling"), "127.0.0.7")) {
      plain.writeRaw(FrameCodec.encode(new byte[70_000]));
      assertTrue(plain.closedByServer(3000), "an oversized frame in clear closes, as always");
    }
  }

  @Test
  void aRequestTooLargeForAFrameIsRefusedAndTheConnectionGoesOn() throws Exception {
    try (SecureClient c = client("127.0.0.8")) {
      c.send(request("POST", "/api/login", ApiClient.rust(), "x".repeat(70_000)));
      HttpProxyResponse r = c.read(5000).getHttpProxyResponse();
      assertTrue(r.getError().contains("65536"), r.getError());
      c.send(request("GET", "/api/login-options", ApiClient.rust(), null));
      HttpProxyResponse next = c.read(5000).getHttpProxyResponse();
      assertEquals(200, next.getStatus(), "the stream stays in step: " + next.getError());
    }
  }

  @Test
  void malformedConcurrentAndTooManyRequestsAreBounded() throws Exception {
    try (SecureClient c = client("127.0.0.9")) {
      c.send(request("BREW", "/api/login", Map.of(), null));
      assertFalse(c.read(5000).getHttpProxyResponse().getError().isEmpty(), "an unknown method");
      c.send(request("GET", "/api/login\r\nX-Real-IP: 10.0.0.1", Map.of(), null));
      assertFalse(c.read(5000).getHttpProxyResponse().getError().isEmpty(), "a line break in the path");
      // two requests in one write: the second arrives while the first runs
      RendezvousMessage options = request("GET", "/api/login-options", ApiClient.rust(), null);
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      both.writeBytes(FrameCodec.encode(c.seal(options.toByteArray())));
      both.writeBytes(FrameCodec.encode(c.seal(options.toByteArray())));
      c.tcp.writeRaw(both.toByteArray());
      assertTrue(c.read(5000).getHttpProxyResponse().getError().contains("one API request at a time"));
      assertEquals(200, c.read(5000).getHttpProxyResponse().getStatus(), "the first is answered");
      // 4 counted so far: 4 more are served, the 9th closes the connection
      for (int i = 0; i < 4; i++) {
        c.send(options);
        assertEquals(200, c.read(5000).getHttpProxyResponse().getStatus());
      }
      c.send(options);
      assertTrue(c.tcp.closedByServer(3000), "a connection that keeps asking is closed");
    }
    // the API and the tunnel are fine
    assertEquals(200, overHttp("POST", "/api/login", ApiClient.rust(), loginBody("admin", adminPassword)).status());
    assertEquals(200, call("127.0.0.9", "POST", "/api/login", ApiClient.rust(), loginBody("admin", adminPassword))
        .getStatus());
  }

  @Test
  void aNodeWithoutTheApiSaysSo(@TempDir Path other) throws Exception {
    try (TestNode alone = TestNode.start(other, new JsonObject().put("verticles", new JsonObject()
        .put("api", new JsonObject().put("enabled", false))))) {
      try (SecureClient c = new SecureClient(alone.port("signaling"), "127.0.0.10",
          alone.core().keys().validationKey().orElseThrow())) {
        c.send(request("POST", "/api/login", ApiClient.rust(), loginBody("admin", "x")));
        HttpProxyResponse r = c.read(5000).getHttpProxyResponse();
        assertEquals("The API server is not available; try again later", r.getError());
        assertEquals(0, r.getStatus());
      }
    }
  }
}
