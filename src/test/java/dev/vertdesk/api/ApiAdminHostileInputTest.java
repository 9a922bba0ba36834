package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever reaches an admin route (malformed or oversized bodies, wrong field types, hostile
 * filters, pages and path parameters, forged or expired tokens), the answer is a 4xx with a JSON
 * error and no internals, never a 5xx, and the server goes on: logins and admin calls still work.
 */
class ApiAdminHostileInputTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;
  static String userGuid;
  static String userGroup;
  static String deviceGroup;
  static String tokenId;
  static List<String[]> routes;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("api", new JsonObject().put("config", new JsonObject().put("maxBodyBytes", 65536)))));
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
    userGuid = calls.createUser(admin, "target", "target-password").getString("guid");
    userGroup = calls.createGroup(admin, "/api/user-groups", "Target Users").getString("guid");
    deviceGroup = calls.createGroup(admin, "/api/device-groups", "Target Devices").getString("guid");
    calls.insertDevice("123123123", userGuid);
    tokenId = ok(api.post("/api/tokens", new JsonObject().put("name", "target").put("scopes", "users")
        .put("expires_in_days", 1), scriptJson(admin))).json().getString("id");
    // method, path, body kind: o (object), a (array), - (none)
    routes = List.of(
        new String[] {"GET", "/api/users", "-"}, new String[] {"POST", "/api/users", "o"},
        new String[] {"POST", "/api/users/force-logout", "o"},
        new String[] {"PUT", "/api/users/disable_login_verification", "o"},
        new String[] {"POST", "/api/users/" + userGuid + "/enable", "-"},
        new String[] {"POST", "/api/users/" + userGuid + "/disable", "-"},
        new String[] {"PUT", "/api/users/" + userGuid, "o"}, new String[] {"DELETE", "/api/users/" + userGuid, "-"},
        new String[] {"GET", "/api/user-groups", "-"}, new String[] {"POST", "/api/user-groups", "o"},
        new String[] {"PATCH", "/api/user-groups/" + userGroup, "o"},
        new String[] {"POST", "/api/user-groups/" + userGroup, "a"},
        new String[] {"DELETE", "/api/user-groups/" + userGroup, "-"},
        new String[] {"GET", "/api/device-groups", "-"}, new String[] {"POST", "/api/device-groups", "o"},
        new String[] {"PATCH", "/api/device-groups/" + deviceGroup, "o"},
        new String[] {"POST", "/api/device-groups/" + deviceGroup, "a"},
        new String[] {"DELETE", "/api/device-groups/" + deviceGroup + "/devices", "a"},
        new String[] {"DELETE", "/api/device-groups/" + deviceGroup, "-"},
        new String[] {"GET", "/api/device-group/accessible", "-"},
        new String[] {"GET", "/api/tokens", "-"}, new String[] {"POST", "/api/tokens", "o"},
        new String[] {"DELETE", "/api/tokens/" + tokenId, "-"});
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A client error: 4xx, a JSON object with a string error, nothing of Java or SQL in it. */
  static void clientError(Answer a, String what) {
    assertTrue(a.status() >= 400 && a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    JsonObject j = new JsonObject(a.body());
    assertTrue(j.getValue("error") instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "jdbc", "SQL", "sqlite",
        "syntax", "\tat ")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }

  @Test
  void bodiesOfTheWrongShapeAreRefusedOnEveryRoute() throws Exception {
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("string", "\"admin\"");
    bodies.put("number", "42");
    bodies.put("boolean", "true");
    bodies.put("null", "null");
    bodies.put("truncated", "{\"name\": \"x\", \"pass");
    bodies.put("truncated array", "[\"a\", \"b");
    bodies.put("garbage", "\u0000\u0001not json");
    bodies.put("deep object", "{\"a\":".repeat(200) + "1" + "}".repeat(200));
    bodies.put("deep array", "[".repeat(100_000));
    bodies.put("deep in an array", "[" + "{\"a\":".repeat(100) + "1" + "}".repeat(100) + "]");
    for (String[] r : routes) {
      if (r[2].equals("-")) {
        continue;
      }
      for (var e : bodies.entrySet()) {
        clientError(api.send(r[0], r[1], e.getValue(), scriptJson(admin)), r[0] + " " + r[1] + " with " + e.getKey());
      }
      // the other kind of JSON than the route takes
      clientError(api.send(r[0], r[1], r[2].equals("o") ? "[\"x\"]" : "{\"name\":\"x\"}", scriptJson(admin)),
          r[0] + " " + r[1] + " with the other JSON kind");
      Answer big = api.send(r[0], r[1], "{\"name\": \"" + "a".repeat(100_000) + "\"}", scriptJson(admin));
      clientError(big, r[0] + " " + r[1] + " with 100 kB");
      assertEquals(413, big.status());
    }
    stillServing();
  }

  @Test
  void everyFieldOfTheWrongTypeOrSizeIsRefused() throws Exception {
    List<Object> notText = List.of(12, true, new JsonArray(), new JsonObject(), "x".repeat(5000), "a\u0000b");
    List<Object> notBool = List.of("yes", 1, new JsonArray(), new JsonObject());
    List<Object> notGuids = List.of("x", 12, new JsonObject(), new JsonArray(), new JsonArray().add(12),
        new JsonArray().add(""), new JsonArray().add("x".repeat(300)), new JsonArray().add("a\u0001"),
        new JsonArray(java.util.Collections.nCopies(1001, "g")));
    List<Object> notRules = List.of("x", 12, new JsonObject(), new JsonArray().add(new JsonObject().put("type", 0)));
    Map<String, List<Object>> userFields = Map.of("name", notText, "password", notText, "email", notText, "note",
        notText, "display_name", notText, "group_name", notText, "is_admin", notBool);
    JsonObject validNew = new JsonObject().put("name", "hostile-new").put("password", "hostile-password");
    List<Object[]> cases = new ArrayList<>();
    for (var f : userFields.entrySet()) {
      for (Object v : f.getValue()) {
        cases.add(new Object[] {"POST", "/api/users", validNew.copy().put(f.getKey(), v)});
        cases.add(new Object[] {"PUT", "/api/users/" + userGuid, new JsonObject().put(f.getKey(), v)});
      }
    }
    for (Object v : notGuids) {
      cases.add(new Object[] {"POST", "/api/users/force-logout", new JsonObject().put("user_guids", v)});
      cases.add(new Object[] {"PUT", "/api/users/disable_login_verification",
          new JsonObject().put("user_guids", v).put("type", "2fa")});
      cases.add(new Object[] {"POST", "/api/user-groups/" + userGroup, v});
      cases.add(new Object[] {"POST", "/api/device-groups/" + deviceGroup, v});
      cases.add(new Object[] {"DELETE", "/api/device-groups/" + deviceGroup + "/devices", v});
    }
    for (Object v : notText) {
      cases.add(new Object[] {"PUT", "/api/users/disable_login_verification",
          new JsonObject().put("user_guids", new JsonArray().add(userGuid)).put("type", v)});
      for (String base : List.of("/api/user-groups", "/api/device-groups")) {
        cases.add(new Object[] {"POST", base, new JsonObject().put("name", v)});
        cases.add(new Object[] {"POST", base, new JsonObject().put("name", "n").put("note", v)});
        cases.add(new Object[] {"PATCH", base + "/" + (base.contains("user") ? userGroup : deviceGroup),
            new JsonObject().put("name", v)});
      }
      cases.add(new Object[] {"POST", "/api/tokens", new JsonObject().put("name", v).put("scopes", "users")
          .put("expires_in_days", 1)});
    }
    for (Object v : notRules) {
      cases.add(new Object[] {"POST", "/api/user-groups", new JsonObject().put("name", "r").put("allowed_outgoings", v)});
      cases.add(new Object[] {"PATCH", "/api/device-groups/" + deviceGroup,
          new JsonObject().put("allowed_incomings", v)});
    }
    for (Object v : List.of("1", 1.5, -1, 0, 3651, 1e20, true, new JsonArray(), new JsonObject())) {
      cases.add(new Object[] {"POST", "/api/tokens", new JsonObject().put("name", "t").put("scopes", "users")
          .put("expires_in_days", v)});
    }
    for (Object[] c : cases) {
      String body = io.vertx.core.json.Json.encode(c[2]);
      clientError(api.send((String) c[0], (String) c[1], body, scriptJson(admin)),
          c[0] + " " + c[1] + " " + (body.length() > 120 ? body.substring(0, 120) + "..." : body));
    }
    // nothing of it went through
    JsonObject target = calls.all("/api/users", admin, 30, "name", "target").get(0);
    assertEquals("", target.getString("note"));
    assertEquals(1, target.getInteger("status"));
    assertEquals(List.of(), calls.all("/api/users", admin, 30, "name", "hostile-new"));
    stillServing();
  }

  @Test
  void hostileQueriesAreRefusedOrMatchNothing() throws Exception {
    for (String q : List.of("pageSize=0", "pageSize=-1", "pageSize=abc", "pageSize=1001", "pageSize=99999999999999",
        "pageSize=1e3", "current=0", "current=2147483648", "current=-5", "current=%27%20or%201%3D1", "status=2",
        "status=abc", "name=a&name=b", "name=" + "x".repeat(300), "name=%00", "group_name=%01admin",
        "pageSize=10&pageSize=20")) {
      for (String path : List.of("/api/users", "/api/user-groups", "/api/device-groups", "/api/tokens",
          "/api/device-group/accessible")) {
        if (q.startsWith("status") && !path.equals("/api/users") || q.contains("name") && path.endsWith("tokens")
            || q.contains("name") && path.endsWith("accessible") || q.startsWith("group_name") && !path.equals("/api/users")) {
          continue; // a parameter the route does not read
        }
        clientError(api.get(path + "?" + q, scriptGet(admin)), "GET " + path + "?" + q);
      }
    }
    for (String filter : List.of("%27%20or%201%3D1%20--", "%25%27%3B%20drop%20table%20users%3B%20--", "%5C", "%25_%25",
        "%E2%80%AE%F0%9F%92%A5", "%25%25%25%25")) {
      for (String path : List.of("/api/users?name=", "/api/users?group_name=", "/api/user-groups?name=",
          "/api/device-groups?name=")) {
        Answer a = ok(api.get(path + filter, scriptGet(admin)));
        assertTrue(a.json().getValue("total") instanceof Integer, a.body());
      }
    }
    // malformed percent-encoding, on a raw connection (no client library would send it)
    assertTrue(raw("GET /api/users?name=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin
        + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 4"), "malformed query");
    stillServing();
  }

  @Test
  void hostilePathParametersAreNotFoundOrRefused() throws Exception {
    for (String guid : List.of("%27%20or%201%3D1%20--", "..%2F..%2Fetc%2Fpasswd", "x".repeat(300), "%00", "%0A",
        "%E2%80%AE", "*", "%25")) {
      for (String[] r : List.of(new String[] {"POST", "/api/users/" + guid + "/enable"},
          new String[] {"PUT", "/api/users/" + guid}, new String[] {"DELETE", "/api/users/" + guid},
          new String[] {"PATCH", "/api/user-groups/" + guid}, new String[] {"POST", "/api/device-groups/" + guid},
          new String[] {"DELETE", "/api/device-groups/" + guid + "/devices"}, new String[] {"DELETE", "/api/tokens/" + guid})) {
        String body = r[0].equals("PUT") || r[0].equals("PATCH") ? "{\"note\":\"n\"}"
            : r[1].endsWith("/enable") || r[0].equals("DELETE") && !r[1].endsWith("devices") ? null : "[\"123123123\"]";
        clientError(api.send(r[0], r[1], body, scriptJson(admin)), r[0] + " " + r[1]);
      }
    }
    stillServing();
  }

  @Test
  void forgedExpiredAndMissingTokensAre401OnEveryRoute() throws Exception {
    String expired = calls.login("target", "target-password");
    calls.db().update("update access_tokens set expires_at = ? where token_hash = ?", System.currentTimeMillis() - 1,
        TokenStore.hash(expired)).await(10, TimeUnit.SECONDS);
    for (String[] r : routes) {
      String body = r[2].equals("o") ? "{}" : r[2].equals("a") ? "[\"x\"]" : null;
      for (String token : List.of("forged", "", "x".repeat(300), "' or 1=1 --", expired)) {
        Answer a = api.send(r[0], r[1], body, Map.of("Authorization", "Bearer " + token, "Content-Type",
            "application/json"));
        clientError(a, r[0] + " " + r[1] + " with token '" + token + "'");
        assertEquals(401, a.status(), r[0] + " " + r[1] + " " + a.body());
      }
      Answer none = api.send(r[0], r[1], body, Map.of());
      clientError(none, r[0] + " " + r[1] + " without a token");
      assertEquals(401, none.status());
    }
    stillServing();
  }

  /** Logins and admin calls still work. */
  private static void stillServing() throws Exception {
    String again = calls.adminToken();
    ok(api.get("/api/users?pageSize=5", scriptGet(again)));
    ok(api.get("/api/device-groups", scriptGet(again)));
  }

  /** Sends raw bytes and returns the start of the answer (empty when the server just closed). */
  private static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.port("api"))) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
    }
  }
}
