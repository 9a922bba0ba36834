package dev.vertdesk.identity;

import static dev.vertdesk.api.ApiErrors.clientError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.User;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.TestProvider;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on end to end against a real OpenID Connect provider: the test is the RustDesk
 * client (auth, then a poll every second) and the browser (the provider's page, its redirect
 * back to the callback), and the token it ends with works on {@code /api/currentUser}.
 */
class SingleSignOnTest {

  static final String ID = "123456789";
  static final String UUID = "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=";

  @TempDir
  static Path dataDir;

  static TestProvider provider;
  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    provider = new TestProvider();
    node = TestNode.start(dataDir, new JsonObject().put("accounts", new JsonObject().put("oidc", new JsonArray()
        .add(provider.provider("Company", "company").put("createUsers", true)
            .put("icon", "https://sso.example.com/logo.png"))
        .add(provider.provider("Closed", "closed"))
        .add(provider.provider("Linked", "linked").put("linkByEmail", true)))));
    api = new ApiClient(node.port("api"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    provider.close();
  }

  /** The client's {@code POST /api/oidc/auth}. */
  static Answer auth(ApiClient api, String op, String apiDomain) throws Exception {
    return api.post("/api/oidc/auth", new JsonObject().put("op", op).put("id", ID).put("uuid", UUID)
        .put("deviceInfo", new JsonObject().put("os", "linux").put("type", "client").put("name", "test-host"))
        .put("apiDomain", apiDomain), ApiClient.rust());
  }

  /** The client's poll: no headers, no body. */
  static Answer poll(ApiClient api, String code) throws Exception {
    return api.get("/api/oidc/auth-query?code=" + URLEncoder.encode(code, StandardCharsets.UTF_8) + "&id=" + ID
        + "&uuid=" + URLEncoder.encode(UUID, StandardCharsets.UTF_8), Map.of());
  }

  /** Polls as the client does, once a second, until it is told something else than to wait. */
  static Answer pollUntilDone(ApiClient api, String code) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Answer a = poll(api, code);
    while (SingleSignOn.WAITING.equals(errorOf(a)) && System.nanoTime() < end) {
      Thread.sleep(1000);
      a = poll(api, code);
    }
    return a;
  }

  static String errorOf(Answer a) {
    try {
      return a.json().getString("error");
    } catch (RuntimeException notAnObject) {
      return null;
    }
  }

  static User user(String name) throws Exception {
    return node.main.api().orElseThrow().accounts().users().byName(name).await(5, TimeUnit.SECONDS);
  }

  @Test
  void loginOptionsListTheProvidersAsTheClientReadsThem() throws Exception {
    Answer a = api.get("/api/login-options", ApiClient.rust());
    assertEquals(200, a.status());
    JsonArray options = new JsonArray(a.body());
    assertTrue(options.getString(0).startsWith("common-oidc/"), a.body());
    JsonArray list = new JsonArray(options.getString(0).substring("common-oidc/".length()));
    assertEquals(new JsonObject().put("name", "Company").put("icon", "https://sso.example.com/logo.png"),
        list.getJsonObject(0));
    assertEquals(new JsonObject().put("name", "Closed"), list.getJsonObject(1));
    assertTrue(options.contains("oidc/Company") && options.contains("oidc/Closed"), "for older clients: " + a.body());
  }

  @Test
  void theWholeFlowEndsWithATokenThatWorks() throws Exception {
    Answer started = auth(api, "company", api.base);
    assertEquals(200, started.status(), started.body());
    String code = started.json().getString("code");
    URI page = URI.create(started.json().getString("url"));
    assertTrue(page.toString().startsWith(provider.issuer("company") + "/authorize?"), page.toString());
    assertTrue(page.getRawQuery().contains("code_challenge_method=S256"), "PKCE: " + page);
    assertTrue(page.getRawQuery().contains("nonce="), page.toString());

    Answer waiting = poll(api, code);
    assertEquals(SingleSignOn.WAITING, waiting.error(), "before the browser is back the client keeps polling");

    provider.nextUser("company", "alice-subject", Map.of("email", "alice@company.example", "email_verified", true,
        "preferred_username", "alice", "name", "Alice Company"));
    URI callback = provider.signIn(page.toString());
    assertTrue(callback.toString().startsWith(api.base + "/api/oidc/callback?"), callback.toString());
    HttpResponse<String> back = provider.follow(callback);
    assertEquals(200, back.statusCode(), back.body());
    assertTrue(back.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(back.body().contains("Signed in as alice"), back.body());

    Answer done = pollUntilDone(api, code);
    assertEquals(200, done.status(), done.body());
    JsonObject body = done.json();
    assertEquals("access_token", body.getString("type"));
    JsonObject user = body.getJsonObject("user");
    assertEquals("alice", user.getString("name"));
    assertEquals("alice@company.example", user.getString("email"));
    assertEquals("Alice Company", user.getString("display_name"));
    assertTrue(user.getValue("info") instanceof JsonObject, "the client's AuthBody needs user.info");
    String token = body.getString("access_token");
    Answer me = api.post("/api/currentUser", new JsonObject().put("id", ID).put("uuid", UUID), ApiClient.rust(token));
    assertEquals(200, me.status(), me.body());
    assertEquals("alice", me.json().getString("name"));
    assertNull(user("alice").passwordHash(), "no password: the provider signs alice in");

    // replays: the browser's link and the client's code are good once
    HttpResponse<String> again = provider.follow(callback);
    assertEquals(400, again.statusCode(), again.body());
    assertTrue(again.body().contains("used already"), again.body());
    Answer twice = poll(api, code);
    clientError(twice, "a code polled again");
    assertEquals(409, twice.status());
    assertFalse(twice.body().contains("access_token"));

    // the next sign-in of the same subject is the same user, whatever the provider now calls it
    String second = signInFully("company", "alice-subject", Map.of("preferred_username", "alice.renamed"));
    assertEquals("alice", api.post("/api/currentUser", new JsonObject(), ApiClient.rust(second)).json().getString("name"));

    List<String> log = node.main.api().orElseThrow().db().list("select method, result from login_log"
        + " where user_name = ? order by created_at", r -> r.getString("method") + " " + r.getString("result"), "alice")
        .await(5, TimeUnit.SECONDS);
    assertEquals(List.of("oidc/Company success", "oidc/Company success"), log);
  }

  /** Auth, browser, poll; the token. */
  static String signInFully(String tenant, String subject, Map<String, Object> claims) throws Exception {
    Answer started = auth(api, tenant, api.base);
    assertEquals(200, started.status(), started.body());
    provider.nextUser(tenant, subject, claims);
    HttpResponse<String> back = provider.follow(provider.signIn(started.json().getString("url")));
    assertEquals(200, back.statusCode(), back.body());
    Answer done = pollUntilDone(api, started.json().getString("code"));
    assertEquals(200, done.status(), done.body());
    return done.json().getString("access_token");
  }

  @Test
  void anUnknownUserIsRefusedWhenAccountsAreNotCreated() throws Exception {
    Answer started = auth(api, "Closed", api.base);
    provider.nextUser("closed", "mallory-subject", Map.of("preferred_username", "mallory"));
    HttpResponse<String> back = provider.follow(provider.signIn(started.json().getString("url")));
    assertEquals(403, back.statusCode(), back.body());
    assertTrue(back.body().contains("no account here"), back.body());
    Answer refused = pollUntilDone(api, started.json().getString("code"));
    clientError(refused, "refused sign-in");
    assertEquals("There is no account here for this sign-in; ask an administrator", refused.error(),
        "the client stops polling and shows why");
    assertNull(user("mallory"));
  }

  @Test
  void aVerifiedEmailLinksToTheOneUserWithItOnlyWhereConfigured() throws Exception {
    node.main.api().orElseThrow().accounts().users().create("bob", null, false, "bob@company.example", "")
        .await(5, TimeUnit.SECONDS);
    // not verified: not linked, and this provider creates nobody
    Answer started = auth(api, "Linked", api.base);
    provider.nextUser("linked", "bob-subject", Map.of("email", "bob@company.example", "email_verified", false));
    assertEquals(403, provider.follow(provider.signIn(started.json().getString("url"))).statusCode());
    // verified: linked, and from now on found by its subject
    String token = signInFully("linked", "bob-subject", Map.of("email", "BOB@company.example", "email_verified", true));
    assertEquals("bob", api.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).json().getString("name"));
    // the same address at another provider that does not link by e-mail makes no link
    String other = signInFully("company", "bob-at-company", Map.of("email", "bob@company.example",
        "email_verified", true, "preferred_username", "bob"));
    String otherName = api.post("/api/currentUser", new JsonObject(), ApiClient.rust(other)).json().getString("name");
    assertNotEquals("bob", otherName, "a name taken here is never shared");
    assertEquals("bob@company.example", otherName, "the next name it offers: its e-mail address");
  }

  @Test
  void aDisabledUserIsNotSignedIn() throws Exception {
    signInFully("company", "dora-subject", Map.of("preferred_username", "dora"));
    node.main.api().orElseThrow().db().update("update users set status = 0 where name_key = ?", "dora")
        .await(5, TimeUnit.SECONDS);
    Answer started = auth(api, "Company", api.base);
    provider.nextUser("company", "dora-subject", Map.of("preferred_username", "dora"));
    HttpResponse<String> back = provider.follow(provider.signIn(started.json().getString("url")));
    assertEquals(403, back.statusCode(), back.body());
    assertTrue(back.body().contains("This account is disabled"), back.body());
    Answer refused = pollUntilDone(api, started.json().getString("code"));
    clientError(refused, "a disabled user");
    assertEquals("This account is disabled", refused.error());
  }

  @Test
  void pollingAnUnknownCodeIsToldToWait() throws Exception {
    Answer a = poll(api, "no-such-code");
    assertEquals(SingleSignOn.WAITING, a.error());
    assertEquals(404, a.status());
    Answer started = auth(api, "Company", api.base);
    Answer otherDevice = api.get("/api/oidc/auth-query?code=" + started.json().getString("code")
        + "&id=987654321&uuid=x", Map.of());
    assertEquals(SingleSignOn.WAITING, otherDevice.error(), "a code is only good with the device that asked");
  }

  @Test
  void theProvidersRefusalReachesTheClient() throws Exception {
    Answer started = auth(api, "Company", api.base);
    String state = URI.create(started.json().getString("url")).getRawQuery().replaceAll(".*state=([^&]*).*", "$1");
    Answer back = api.get("/api/oidc/callback?error=access_denied&state=" + state, Map.of());
    clientError(back, "the provider's refusal");
    assertEquals(403, back.status());
    assertEquals("Company did not sign you in (access_denied)", back.error());
    assertEquals(back.error(), pollUntilDone(api, started.json().getString("code")).error());
  }

  @Test
  void aForgedCodeIsRefusedByTheProviderAndAnswered400() throws Exception {
    Answer started = auth(api, "Company", api.base);
    String state = URI.create(started.json().getString("url")).getRawQuery().replaceAll(".*state=([^&]*).*", "$1");
    Answer back = api.get("/api/oidc/callback?code=forged&state=" + state, Map.of());
    clientError(back, "a forged code");
    assertEquals(400, back.status());
    assertTrue(back.error().startsWith("The sign-in with Company could not be completed"), back.body());
  }
}
