package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API tokens: created by an admin's session with scopes and an expiry, shown once, revoked at once. */
class ApiTokensAdminTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject create(String name, JsonArray scopes, int days) throws Exception {
    return ok(api.post("/api/tokens", new JsonObject().put("name", name).put("scopes", scopes)
        .put("expires_in_days", days), scriptJson(admin))).json();
  }

  @Test
  void aTokenIsShownOnceAndListedWithoutIt() throws Exception {
    JsonObject created = create("provisioning", new JsonArray().add("users").add("groups"), 30);
    String token = created.getString("token");
    assertTrue(token.length() >= 40, created.encode());
    assertEquals(List.of("groups", "users"), created.getJsonArray("scopes").getList());
    assertEquals("admin", created.getString("created_by"));
    assertNull(created.getValue("last_used_at"), "never used yet");

    ok(api.get("/api/users", scriptGet(token)));
    Answer list = ok(api.get("/api/tokens", scriptGet(admin)));
    assertFalse(list.body().contains(token), "never the token");
    assertFalse(list.body().contains(TokenStore.hash(token)), "nor its hash");
    JsonObject item = list.json().getJsonArray("data").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("id").equals(created.getString("id"))).findFirst().orElseThrow();
    assertEquals("provisioning", item.getString("name"));
    assertNotNull(item.getString("expires_at"));
    assertNotNull(item.getString("last_used_at"), "its use is recorded");
    assertEquals(Boolean.FALSE, item.getValue("expired"));

    empty(api.send("DELETE", "/api/tokens/" + created.getString("id"), null, scriptGet(admin)));
    refused(api.get("/api/users", scriptGet(token)), 401, "revoked, although it was cached");
    refused(api.send("DELETE", "/api/tokens/" + created.getString("id"), null, scriptGet(admin)), 404, "gone");
  }

  @Test
  void aTokenActsWithinItsScopesOnly() throws Exception {
    String users = create("users only", new JsonArray().add("users"), 1).getString("token");
    // res/users.py with an API token
    ok(api.get("/api/users?name=%25admin%25&pageSize=30&current=1", scriptGet(users)));
    String guid = ok(api.post("/api/users", new JsonObject().put("name", "by-token").put("password", "token-password"),
        scriptJson(users))).json().getString("guid");
    empty(api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(users)));

    Answer groups = api.get("/api/user-groups", scriptJson(users));
    refused(groups, 403, "no groups scope");
    assertEquals("this API token lacks the groups scope", groups.error());
    refused(api.post("/api/device-groups", new JsonObject().put("name", "x"), scriptJson(users)), 403, "no groups scope");
    // tokens are managed from an admin's session only, whatever the scopes
    String all = create("everything", new JsonArray().add("devices").add("users").add("groups").add("audit")
        .add("address_books").add("strategies"), 1).getString("token");
    for (String t : List.of(users, all)) {
      refused(api.post("/api/tokens", new JsonObject().put("name", "minted").put("scopes", new JsonArray().add("users"))
          .put("expires_in_days", 1), scriptJson(t)), 403, "a token minting a token");
      refused(api.get("/api/tokens", scriptGet(t)), 403, "a token listing tokens");
    }
    ok(api.get("/api/user-groups", scriptGet(all)));
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    JsonObject created = create("short-lived", new JsonArray().add("users"), 1);
    String token = created.getString("token");
    // a day passes: the stored expiry is moved into the past before the token is ever used
    calls.db().update("update access_tokens set expires_at = ? where guid = ?", System.currentTimeMillis() - 1,
        created.getString("id")).await(10, TimeUnit.SECONDS);
    refused(api.get("/api/users", scriptGet(token)), 401, "expired");
    assertEquals(Boolean.TRUE, ok(api.get("/api/tokens?pageSize=1000", scriptGet(admin))).json().getJsonArray("data")
        .stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(created.getString("id")))
        .findFirst().orElseThrow().getValue("expired"));
  }

  @Test
  void aTokenStopsWhenItsCreatorIsNoLongerAnAdmin() throws Exception {
    String guid = calls.createUser(admin, new JsonObject().put("name", "second-admin").put("password", "admin-password-2")
        .put("is_admin", true)).getString("guid");
    String session = calls.login("second-admin", "admin-password-2");
    String token = ok(api.post("/api/tokens", new JsonObject().put("name", "theirs").put("scopes", "users,groups")
        .put("expires_in_days", 7), scriptJson(session))).json().getString("token");
    ok(api.get("/api/users", scriptGet(token)));
    ok(api.send("PUT", "/api/users/" + guid, new JsonObject().put("is_admin", false).encode(), scriptJson(admin)));
    refused(api.get("/api/users", scriptGet(token)), 403, "its creator was demoted");
    empty(api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(admin)));
    refused(api.get("/api/users", scriptGet(token)), 401, "its creator is disabled");
  }

  @Test
  void badTokenRequestsAreRefusedPlainly() throws Exception {
    List<JsonObject> bodies = List.of(
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("root")).put("expires_in_days", 1),
        new JsonObject().put("name", "x").put("scopes", new JsonArray()).put("expires_in_days", 1),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add(7)).put("expires_in_days", 1),
        new JsonObject().put("name", "x").put("scopes", 7).put("expires_in_days", 1),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("users")),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("users")).put("expires_in_days", 0),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("users")).put("expires_in_days", 1.5),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("users")).put("expires_in_days", "30"),
        new JsonObject().put("name", "x").put("scopes", new JsonArray().add("users")).put("expires_in_days", 1e300),
        new JsonObject().put("name", "").put("scopes", new JsonArray().add("users")).put("expires_in_days", 1),
        new JsonObject().put("name", "a\u0000b").put("scopes", new JsonArray().add("users")).put("expires_in_days", 1));
    for (JsonObject b : bodies) {
      refused(api.post("/api/tokens", b, scriptJson(admin)), 400, b.encode());
    }
    refused(api.send("DELETE", "/api/tokens/%27%20or%201=1%20--", null, scriptGet(admin)), 404, "an SQL-like id");
    ok(api.get("/api/tokens", scriptGet(admin)));
  }
}
