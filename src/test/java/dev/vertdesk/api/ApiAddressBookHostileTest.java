package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever reaches the address book routes: malformed, mistyped, oversized and deeply nested
 * bodies, SQL-like filters and guids, broken query strings, forged and expired tokens, a plain user
 * on the admin calls. Every answer is 200 or a 4xx JSON {@code {"error"}} without internals, the
 * book is unharmed, and signing in still works afterwards.
 */
class ApiAddressBookHostileTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;
  static String user;
  static String personal;
  static String shared;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
    calls.createUser(admin, "hostile", "hostile-password");
    user = calls.login("hostile", "hostile-password");
    personal = ok(api.send("POST", "/api/ab/personal", null, ApiClient.rust(user))).json().getString("guid");
    shared = ok(api.post("/api/ab/shared/add", new JsonObject().put("name", "Target"), scriptJson(admin))).json()
        .getString("guid");
    ok(api.post("/api/ab/rule", new JsonObject().put("guid", shared).put("rule", 1).put("user", "hostile"),
        scriptJson(admin)));
    AdminCalls.empty(api.post("/api/ab/peer/add/" + personal, new JsonObject().put("id", "800000001")
        .put("tags", new JsonArray()), ApiClient.rust(user)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** Every route with a body, {@code %s} for a book guid. */
  static final String[][] BODY_ROUTES = {
      {"POST", "/api/ab/peer/add/%s"}, {"PUT", "/api/ab/peer/update/%s"}, {"DELETE", "/api/ab/peer/%s"},
      {"POST", "/api/ab/tag/add/%s"}, {"PUT", "/api/ab/tag/rename/%s"}, {"PUT", "/api/ab/tag/update/%s"},
      {"DELETE", "/api/ab/tag/%s"}, {"POST", "/api/ab/recycle-bin/restore/%s"}, {"DELETE", "/api/ab/recycle-bin/%s"},
      {"POST", "/api/ab"}, {"POST", "/api/ab/shared/add"}, {"PUT", "/api/ab/shared/update/profile"},
      {"DELETE", "/api/ab/shared"}, {"POST", "/api/ab/rule"}, {"PATCH", "/api/ab/rule"}, {"DELETE", "/api/ab/rules"}};

  /** Every pull, {@code %s} for a book guid. */
  static final String[][] PULLS = {
      {"POST", "/api/ab/personal"}, {"POST", "/api/ab/settings"}, {"POST", "/api/ab/shared/profiles?"},
      {"POST", "/api/ab/peers?ab=%s&"}, {"POST", "/api/ab/tags/%s"}, {"POST", "/api/ab/recycle-bin?ab=%s&"},
      {"GET", "/api/ab"}, {"POST", "/api/ab/get"}, {"GET", "/api/ab/rules?ab=%s&"}, {"GET", "/api/peers?accessible=&"}};

  static List<String> badBodies() {
    List<String> out = new ArrayList<>(List.of("{", "}", "null", "\"text\"", "123", "true", "{}", "[]", "[1, 2]",
        "{\"id\": 5}", "{\"id\": \"\"}", "{\"id\": null}", "{\"id\": [\"a\"]}", "{\"id\": \"a\", \"tags\": \"t\"}",
        "{\"id\": \"a\", \"tags\": [1]}", "{\"id\": \"a\", \"alias\": 7}", "{\"id\": \"a\", \"forceAlwaysRelay\": 1}",
        "{\"id\": \"a\", \"same_server\": \"yes\"}", "{\"name\": \"t\", \"color\": \"red\"}",
        "{\"name\": \"t\", \"color\": -1}", "{\"name\": \"t\", \"color\": 4294967296}",
        "{\"name\": \"t\", \"color\": 1.5}", "{\"name\": \"bell\\u0007\", \"color\": 1}", "{\"old\": 1, \"new\": 2}",
        "{\"data\": 1}", "{\"data\": \"{\\\"peers\\\": [1]}\"}", "{\"data\": \"{\\\"tags\\\": [[]]}\"}",
        "{\"guid\": 1, \"rule\": 1}", "{\"guid\": \"x\", \"rule\": 9}", "{\"guid\": \"x\", \"rule\": \"1\"}",
        "{\"guid\": \"' or 1=1 --\", \"rule\": 1, \"user\": \"' or '1'='1\"}", "{\"name\": \"\", \"info\": 5}",
        "[\"\"]", "[null]", "[{}]", "[\"" + "x".repeat(300) + "\"]", "{\"id\": \"" + "9".repeat(300) + "\"}",
        "\u0000\u0001", "{\"id\": \"a\", \"note\": \"" + "n".repeat(5000) + "\"}"));
    out.add("[".repeat(3000) + "]".repeat(3000));
    out.add("{\"a\":".repeat(3000) + "1" + "}".repeat(3000));
    JsonArray many = new JsonArray();
    for (int i = 0; i < 1500; i++) {
      many.add("id" + i);
    }
    out.add(many.encode());
    return out;
  }

  /**
   * A 4xx with a JSON object holding a string error and nothing of Java in it (the shared
   * {@link ApiErrors} check also refuses "at ", which the batch readers' "at most" contains).
   */
  static void clientError(Answer a, String what) {
    assertTrue(a.status() >= 400 && a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    Object error = new JsonObject(a.body()).getValue("error");
    assertTrue(error instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "\tat ", "jdbc", "SQL",
        "sqlite", "postgres")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }

  /** 200 (a valid request among the bad ones) or a clean client error. */
  static void answeredCleanly(Answer a, String what) {
    assertTrue(a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    if (a.status() != 200) {
      clientError(a, what);
    }
  }

  @Test
  void badBodiesAreRefusedCleanlyOnEveryRoute() throws Exception {
    for (String[] route : BODY_ROUTES) {
      for (String book : new String[] {personal, shared, "no-such-book"}) {
        String path = String.format(route[1], book);
        for (String token : new String[] {user, admin}) {
          for (String body : badBodies()) {
            answeredCleanly(api.send(route[0], path, body, ApiClient.rust(token)), route[0] + " " + path + " " + body);
          }
        }
      }
    }
    // a body beyond maxBodyBytes
    String huge = "{\"id\": \"a\", \"note\": \"" + "x".repeat(1_100_000) + "\"}";
    clientError(api.send("POST", "/api/ab/peer/add/" + personal, huge, ApiClient.rust(user)), "huge");
    clientError(api.send("POST", "/api/ab", "{\"data\": \"" + "x".repeat(1_100_000) + "\"}", ApiClient.rust(user)),
        "huge legacy");
    // the book is as it was, and everyone can still sign in
    JsonObject page = ok(api.send("POST", "/api/ab/peers?ab=" + personal, null, ApiClient.rust(user))).json();
    assertEquals("800000001", page.getJsonArray("data").getJsonObject(0).getString("id"));
    calls.login("hostile", "hostile-password");
  }

  @Test
  void hostileQueriesAndTokensAreRefusedCleanlyOnEveryPull() throws Exception {
    String expired = new TokenStore(Devices.api(node).db()).issue(Principal.SESSION,
        Devices.api(node).accounts().users().byName("hostile").await(10, TimeUnit.SECONDS).guid(), "t", "", null,
        System.currentTimeMillis() - 1000).await(10, TimeUnit.SECONDS);
    String[] queries = {"current=0", "current=-1", "current=abc", "pageSize=0", "pageSize=1000001",
        "pageSize=99999999999999", "current=1&current=2", "name=%25'%20or%201=1%20--", "name=%C3%28", "ab=%00",
        "ab=%27%20or%201=1%20--", "name=" + "a".repeat(300), "status=x", "accessible=%ff"};
    for (String[] pull : PULLS) {
      for (String book : new String[] {personal, shared, "' or 1=1 --"}) {
        String base = String.format(pull[1], book.replace("'", "%27").replace(" ", "%20"));
        for (String q : queries) {
          String sep = base.endsWith("&") || base.endsWith("?") ? "" : "?";
          answeredCleanly(api.send(pull[0], base + sep + q, null, ApiClient.rust(user)), pull[1] + " " + q);
          answeredCleanly(api.send(pull[0], base + sep + q, null, ApiClient.bearerOnly(admin)), pull[1] + " " + q);
        }
        for (String forged : new String[] {"forged", expired, "", "x".repeat(5000)}) {
          Answer a = api.send(pull[0], base, null, Map.of("Authorization", "Bearer " + forged));
          clientError(a, pull[1] + " with a bad token");
          assertEquals(401, a.status(), pull[1] + ": " + a.body());
        }
      }
    }
    // a plain user is no admin
    Answer notAdmin = api.get("/api/ab/rules?ab=" + shared, ApiClient.bearerOnly(user));
    assertEquals(403, notAdmin.status());
    calls.login("hostile", "hostile-password");
  }
}
