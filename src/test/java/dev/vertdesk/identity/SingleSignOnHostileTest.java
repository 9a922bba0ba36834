package dev.vertdesk.identity;

import static dev.vertdesk.api.ApiErrors.clientError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.TestProvider;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
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
 * Whatever reaches the single sign-on routes (malformed, mistyped, huge or deep bodies, SQL-like
 * codes and states, markup in the provider's error, a flood of logins, a provider that is down),
 * the answer is a 4xx with a plain JSON error (or, for a browser, an escaped page), and password
 * logins still work afterwards.
 */
class SingleSignOnHostileTest {

  @TempDir
  static Path dataDir;

  static TestProvider provider;
  static TestNode node;
  static ApiClient api;
  static String adminPassword;

  @BeforeAll
  static void start() throws Exception {
    provider = new TestProvider();
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    node = TestNode.start(dataDir, new JsonObject()
        .put("verticles", new JsonObject().put("api", new JsonObject().put("config",
            new JsonObject().put("maxBodyBytes", 65536))))
        .put("accounts", new JsonObject().put("oidc", new JsonArray()
            .add(provider.provider("Company", "company"))
            .add(new JsonObject().put("name", "Down").put("issuer", "http://127.0.0.1:" + closed + "/realms/x")
                .put("clientId", "a").put("clientSecret", "b")))));
    api = new ApiClient(node.port("api"));
    adminPassword = Files.readString(dataDir.resolve("admin-password.txt")).trim();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      assertEquals(200, api.post("/api/login", ApiClient.login("admin", adminPassword), ApiClient.rust()).status(),
          "password logins still work");
    } finally {
      node.close();
      provider.close();
    }
  }

  static JsonObject auth(String op) {
    return new JsonObject().put("op", op).put("id", "123456789").put("uuid", "dXVpZA==")
        .put("deviceInfo", new JsonObject().put("os", "linux").put("name", "h")).put("apiDomain", api.base);
  }

  @Test
  void authBodiesOfEveryShapeAreRefusedPlainly() throws Exception {
    Map<String, String> bodies = Map.of(
        "array", "[1, 2]", "string", "\"Company\"", "number", "42", "null", "null",
        "truncated", "{\"op\": \"Comp", "garbage", "\u0000\u0001not json",
        "deep", "{\"op\":".repeat(200) + "1" + "}".repeat(200),
        "deep array", "{\"op\":" + "[".repeat(100_000));
    for (var e : bodies.entrySet()) {
      clientError(api.send("POST", "/api/oidc/auth", e.getValue(), ApiClient.rust()), e.getKey());
    }
    clientError(api.send("POST", "/api/oidc/auth", "{\"op\": \"" + "a".repeat(100_000) + "\"}", ApiClient.rust()),
        "100 kB");
    for (JsonObject body : List.of(new JsonObject(), auth("Company").put("op", 7), auth("Company").put("op", "x".repeat(65)),
        auth("Company").put("deviceInfo", "linux"), auth("Company").put("id", new JsonArray()),
        auth("Company").put("apiDomain", "javascript:alert(1)"), auth("Company").put("apiDomain", "http://u:p@evil/"),
        auth("Company").put("apiDomain", "https://x.example/?q=1"), auth("Company").put("apiDomain", 12))) {
      clientError(api.post("/api/oidc/auth", body, ApiClient.rust()), body.encode());
    }
    for (String op : List.of("' or 1=1 --", "Company'; drop table oidc_logins; --", "%", "../../etc/passwd", "<b>")) {
      Answer a = api.post("/api/oidc/auth", auth(op), ApiClient.rust());
      clientError(a, "op " + op);
      assertEquals(404, a.status());
    }
  }

  @Test
  void pollsWithOddCodesAreToldToWaitOrRefused() throws Exception {
    clientError(api.get("/api/oidc/auth-query", Map.of()), "no code");
    clientError(api.get("/api/oidc/auth-query?code=" + "x".repeat(300), Map.of()), "a huge code");
    for (String code : List.of("' or '1'='1", "%", "_", "\u0000", "a&code=b")) {
      Answer a = api.get("/api/oidc/auth-query?code=" + URLEncoder.encode(code, StandardCharsets.UTF_8)
          + "&id=1&uuid=2", Map.of());
      assertEquals(SingleSignOn.WAITING, a.error(), code);
      assertEquals(404, a.status());
    }
    clientError(api.get("/api/oidc/auth-query?code=a&id=" + "9".repeat(101), Map.of()), "a huge id");
  }

  @Test
  void callbacksWithOddStatesAreRefusedAndMarkupIsEscaped() throws Exception {
    clientError(api.get("/api/oidc/callback", Map.of()), "no state");
    clientError(api.get("/api/oidc/callback?code=x", Map.of()), "no state with a code");
    for (String state : List.of("' or 1=1 --", "%", "forged", "\u0000")) {
      Answer a = api.get("/api/oidc/callback?code=x&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8), Map.of());
      clientError(a, "state " + state);
      assertEquals(400, a.status());
    }
    clientError(api.get("/api/oidc/callback?state=s&code=" + "c".repeat(5000), Map.of()), "a huge code");

    Answer started = api.post("/api/oidc/auth", auth("Company"), ApiClient.rust());
    assertEquals(200, started.status(), started.body());
    String state = URI.create(started.json().getString("url")).getRawQuery().replaceAll(".*state=([^&]*).*", "$1");
    Answer page = api.get("/api/oidc/callback?state=" + state + "&error="
        + URLEncoder.encode("<script>alert(1)</script>", StandardCharsets.UTF_8), Map.of("Accept", "text/html"));
    assertEquals(403, page.status(), page.body());
    assertTrue(page.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertFalse(page.body().contains("<script"), page.body());
    assertTrue(page.body().contains("did not sign you in (error)"), page.body());
    assertTrue(page.raw().headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
  }

  @Test
  void aFloodOfLoginsFromOneAddressIsHeldBack() throws Exception {
    // an address of its own (loopback is a trusted proxy by default), so the other tests keep theirs
    Map<String, String> flooder = Map.of("Content-Type", "application/json", "X-Real-IP", "203.0.113.9");
    Answer last = null;
    int refusedAt = -1;
    for (int i = 0; i < SingleSignOn.MAX_PENDING_PER_ADDRESS + 3 && refusedAt < 0; i++) {
      last = api.post("/api/oidc/auth", auth("Company"), flooder);
      if (last.status() != 200) {
        refusedAt = i;
      }
    }
    clientError(last, "the flood");
    assertEquals(429, last.status());
    assertEquals(SingleSignOn.MAX_PENDING_PER_ADDRESS, refusedAt, "held back after the allowed number");
    assertEquals(200, api.post("/api/oidc/auth", auth("Company"), ApiClient.rust()).status(), "other addresses go on");
  }

  @Test
  void aProviderThatIsDownGetsAPlainAnswer() throws Exception {
    Answer a = api.post("/api/oidc/auth", auth("Down"), ApiClient.rust());
    clientError(a, "provider down");
    assertEquals(424, a.status());
    assertEquals("The sign-in provider Down cannot be reached; try again later", a.error());
  }
}
