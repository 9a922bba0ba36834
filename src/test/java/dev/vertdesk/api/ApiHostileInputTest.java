package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever a client sends to the API port, the answer is a 4xx with a JSON error and no internals,
 * never a 5xx, and logging in still works afterwards.
 */
class ApiHostileInputTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String password;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("api", new JsonObject().put("config", new JsonObject().put("maxBodyBytes", 65536)))));
    api = new ApiClient(node.port("api"));
    password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A client error: 4xx, a JSON object with a string error, nothing of Java in it. */
  static void clientError(Answer a, String what) {
    assertTrue(a.status() >= 400 && a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    JsonObject j = new JsonObject(a.body());
    assertTrue(j.getValue("error") instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "at ", "jdbc", "SQL")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }

  @Test
  void bodiesOfEveryShapeAreRefusedPlainly() throws Exception {
    String token = new JsonObject(api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).body())
        .getString("access_token");
    Map<String, String> bodies = Map.of(
        "array", "[1, 2]", "string", "\"admin\"", "number", "42", "boolean", "true", "null", "null",
        "truncated", "{\"username\": \"admin\", \"pass", "garbage", "\u0000\u0001not json",
        "deep", "{\"a\":".repeat(200) + "1" + "}".repeat(200),
        "deep array", "{\"a\":" + "[".repeat(100_000));
    for (String path : List.of("/api/login", "/api/currentUser", "/api/tfa/totp/confirm")) {
      for (var e : bodies.entrySet()) {
        clientError(api.send("POST", path, e.getValue(), ApiClient.rust(token)), path + " with " + e.getKey());
      }
    }
    Answer types = api.post("/api/login", ApiClient.login("admin", password).put("username", 12), ApiClient.rust());
    clientError(types, "a number for a name");
    assertEquals("username must be a string", types.error());
    clientError(api.post("/api/login", ApiClient.login("admin", password).put("deviceInfo", "linux"),
        ApiClient.rust()), "deviceInfo as a string");
    clientError(api.post("/api/login", ApiClient.login("admin", "x".repeat(5000)), ApiClient.rust()), "a huge password");
    clientError(api.post("/api/login", ApiClient.login("admin", password).put("type", "magic"), ApiClient.rust()),
        "an unknown login type");
  }

  @Test
  void anOversizedBodyIs413() throws Exception {
    Answer big = api.send("POST", "/api/login", "{\"username\": \"" + "a".repeat(100_000) + "\"}", ApiClient.rust());
    clientError(big, "100 kB");
    assertEquals(413, big.status());
  }

  @Test
  void forgedExpiredAndMissingTokensAre401() throws Exception {
    for (String token : List.of("", "forged", "x".repeat(300), "' or 1=1 --", "Bearer Bearer")) {
      Answer a = api.post("/api/currentUser", new JsonObject(), Map.of("Authorization", "Bearer " + token));
      clientError(a, "token '" + token + "'");
      assertEquals(401, a.status());
    }
    clientError(api.post("/api/currentUser", new JsonObject(), ApiClient.rust()), "no token at all");
    clientError(api.post("/api/currentUser", new JsonObject(), Map.of("Authorization", "Basic YWRtaW46YWRtaW4=")),
        "basic auth");
  }

  @Test
  void sqlLikeNamesAreJustNames() throws Exception {
    for (String name : List.of("admin' --", "admin\"; drop table users; --", "%", "_", "admin\u0000")) {
      Answer a = api.post("/api/login", ApiClient.login(name, password), ApiClient.rust());
      clientError(a, "name " + name);
    }
    assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status());
  }

  @Test
  void unknownRoutesAndMethodsAnswerJson() throws Exception {
    clientError(api.get("/api/nope", Map.of()), "unknown route");
    clientError(api.send("DELETE", "/api/login", null, Map.of()), "unknown method");
    clientError(api.get("/../../etc/passwd", Map.of()), "a path outside");
  }

  @Test
  void aHeaderFloodClosesOnlyThatConnection() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.port("api")), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("GET /api/login-options HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      try {
        for (int i = 0; i < 2000; i++) {
          out.write(("X-Filler-" + i + ": " + "v".repeat(100) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      } catch (java.io.IOException closed) {
        // the server gave up on us: fine
      }
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertTrue(head.isEmpty() || head.startsWith("HTTP/1.1 4"), "refused: " + head);
    } catch (java.net.SocketException reset) {
      // closed by reset: fine
    }
    assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status(),
        "others still log in");
  }
}
