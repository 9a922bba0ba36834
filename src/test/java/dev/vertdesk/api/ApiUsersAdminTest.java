package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.names;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.query;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Totp;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pro's user administration as {@code rustdesk/rustdesk: res/users.py} calls it, and the client's
 * list of accessible users (CLIENT-API §5 in the client: {@code flutter/lib/models/group_model.dart}).
 */
class ApiUsersAdminTest {

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

  @Test
  void theScriptCreatesViewsDisablesEnablesAndDeletesAUser() throws Exception {
    calls.createGroup(admin, "/api/user-groups", "Script Group");
    // res/users.py new: name, password, group_name (+ email, note)
    JsonObject created = calls.createUser(admin, new JsonObject().put("name", "scripted").put("password", "s3cret-pass")
        .put("group_name", "Script Group").put("email", "scripted@example.org").put("note", "from the script"));
    assertEquals("scripted", created.getString("name"));
    assertEquals("Script Group", created.getString("group_name"));
    assertEquals(Boolean.FALSE, created.getValue("is_admin"));
    // res/users.py view: %name% and pageSize 30, Authorization only
    List<JsonObject> found = calls.all("/api/users", admin, 30, "name", "%scripted%");
    assertEquals(List.of("scripted"), names(found));
    JsonObject u = found.get(0);
    String guid = u.getString("guid");
    assertEquals("scripted@example.org", u.getString("email"));
    assertEquals("from the script", u.getString("note"));
    assertInstanceOf(Integer.class, u.getValue("status"));
    assertTrue(u.getString("created_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), u.encode());
    String session = calls.login("scripted", "s3cret-pass");

    // disable: a bodiless POST with Authorization only; the session ends, the login is refused
    empty(api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(admin)));
    refused(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(session)), 401, "a disabled user's session");
    refused(api.post("/api/login", ApiClient.login("scripted", "s3cret-pass"), ApiClient.rust()), 403, "disabled login");
    assertEquals(0, calls.all("/api/users", admin, 30, "name", "%scripted%", "status", "1").size());

    empty(api.send("POST", "/api/users/" + guid + "/enable", null, scriptGet(admin)));
    calls.login("scripted", "s3cret-pass");

    // DELETE needs the user disabled first, as Pro
    refused(api.send("DELETE", "/api/users/" + guid, null, scriptGet(admin)), 409, "delete an enabled user");
    empty(api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(admin)));
    empty(api.send("DELETE", "/api/users/" + guid, null, scriptGet(admin)));
    assertEquals(List.of(), calls.all("/api/users", admin, 30, "name", "%scripted%"));
    refused(api.send("DELETE", "/api/users/" + guid, null, scriptGet(admin)), 404, "gone");
    refused(api.send("POST", "/api/users/" + guid + "/enable", null, scriptGet(admin)), 404, "gone");
    // the name is free again
    calls.createUser(admin, "scripted", "another-pass");
  }

  @Test
  void pagesCoverEveryUserOnceWithAnIntegerTotal() throws Exception {
    for (int i = 0; i < 23; i++) {
      calls.createUser(admin, String.format("page-user-%02d", i), "page-password");
    }
    List<JsonObject> pages = calls.all("/api/users", admin, 10, "name", "page-user-%");
    assertEquals(23, pages.size());
    assertEquals(23, new HashSet<>(names(pages)).size(), "no item twice");
    JsonObject third = ok(api.get("/api/users" + query("name", "page-user-%", "pageSize", "10", "current", "3"),
        scriptGet(admin))).json();
    assertEquals(23, third.getValue("total"), "an integer");
    assertEquals(3, third.getJsonArray("data").size());
    assertEquals("page-user-20", third.getJsonArray("data").getJsonObject(0).getString("name"), "ordered by name");
    JsonObject beyond = ok(api.get("/api/users" + query("name", "page-user-%", "pageSize", "10", "current", "9"),
        scriptGet(admin))).json();
    assertEquals(23, beyond.getInteger("total"));
    assertEquals(0, beyond.getJsonArray("data").size());
  }

  @Test
  void filtersAreLikePatternsWithPercentOnly() throws Exception {
    for (String n : List.of("like_a", "likeXa", "like%b", "like\\c", "LIKE-upper")) {
      calls.createUser(admin, n, "filter-password");
    }
    assertEquals(List.of("like_a"), names(calls.all("/api/users", admin, 30, "name", "like_a")), "_ is no wildcard");
    assertEquals(List.of(), names(calls.all("/api/users", admin, 30, "name", "%\\_%")), "\\ is no escape either");
    assertEquals(List.of("like%b"), names(calls.all("/api/users", admin, 30, "name", "%ke%b")));
    assertEquals(List.of("like\\c"), names(calls.all("/api/users", admin, 30, "name", "%\\%")));
    assertEquals(List.of("LIKE-upper"), names(calls.all("/api/users", admin, 30, "name", "%-UPP%")), "any case");
    assertEquals(5, calls.all("/api/users", admin, 30, "name", "like%").size());
    for (String hostile : List.of("' or 1=1 --", "%' or '1'='1", "\" or \"\"=\"", "%_", "\\", "%\\",
        "x%' union select password_hash from users --", "like_a' --", "%".repeat(200), "_%_%_", "[a-z]%", "*")) {
      String literal = hostile.replace("%", "").toLowerCase(java.util.Locale.ROOT);
      for (Object o : ok(api.get("/api/users" + query("name", hostile), scriptGet(admin))).json().getJsonArray("data")) {
        String name = ((JsonObject) o).getString("name").toLowerCase(java.util.Locale.ROOT);
        assertTrue(name.contains(literal), "'" + hostile + "' matched " + name);
      }
    }
    assertEquals(0, ok(api.get("/api/users" + query("name", "' or 1=1 --"), scriptGet(admin))).json().getInteger("total"));
  }

  @Test
  void groupNameFiltersByGroupAndDashMeansNone() throws Exception {
    calls.createGroup(admin, "/api/user-groups", "Filter Sales");
    calls.createGroup(admin, "/api/user-groups", "Filter Support");
    calls.createUser(admin, new JsonObject().put("name", "gf-sales").put("password", "filter-password")
        .put("group_name", "filter sales"));
    calls.createUser(admin, new JsonObject().put("name", "gf-support").put("password", "filter-password")
        .put("group_name", "Filter Support"));
    calls.createUser(admin, "gf-none", "filter-password");
    // res/user-groups.py view-users: the exact group name
    assertEquals(List.of("gf-sales"), names(calls.all("/api/users", admin, 50, "group_name", "Filter Sales")));
    // res/users.py view --group_name: wrapped in %
    assertEquals(List.of("gf-sales", "gf-support"),
        names(calls.all("/api/users", admin, 30, "name", "%gf-%", "group_name", "%filter s%")));
    assertEquals(List.of("gf-none"), names(calls.all("/api/users", admin, 30, "name", "%gf-%", "group_name", "-")));
    refused(api.post("/api/users", new JsonObject().put("name", "gf-x").put("password", "filter-password")
        .put("group_name", "No Such Group"), scriptJson(admin)), 400, "an unknown group");
  }

  @Test
  void anAdminEditsAUserAndAResetPasswordEndsItsSessions() throws Exception {
    String guid = calls.createUser(admin, "editable", "first-password").getString("guid");
    String session = calls.login("editable", "first-password");
    JsonObject edited = ok(api.send("PUT", "/api/users/" + guid, new JsonObject().put("email", "e@example.org")
        .put("note", "edited").put("display_name", "Edi Table").encode(), scriptJson(admin))).json();
    assertEquals("e@example.org", edited.getString("email"));
    assertEquals("Edi Table", edited.getString("display_name"));
    assertEquals("Edi Table", ok(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(session))).json()
        .getString("display_name"), "the session goes on, with the new details");

    ok(api.send("PUT", "/api/users/" + guid, new JsonObject().put("password", "second-password").encode(),
        scriptJson(admin)));
    refused(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(session)), 401, "after a password reset");
    refused(api.post("/api/login", ApiClient.login("editable", "first-password"), ApiClient.rust()), 401, "old");
    String again = calls.login("editable", "second-password");

    // made an admin: admin routes open at once (the cached principal is dropped)
    ok(api.send("PUT", "/api/users/" + guid, new JsonObject().put("is_admin", true).encode(), scriptJson(admin)));
    ok(api.get("/api/users", scriptGet(again)));
    ok(api.send("PUT", "/api/users/" + guid, new JsonObject().put("is_admin", false).encode(), scriptJson(admin)));
    refused(api.get("/api/users", scriptGet(again)), 403, "demoted");

    refused(api.send("PUT", "/api/users/" + guid, new JsonObject().put("password", "short").encode(),
        scriptJson(admin)), 400, "a short password");
    refused(api.send("PUT", "/api/users/" + guid, new JsonObject().put("email", "not an address").encode(),
        scriptJson(admin)), 400, "a bad e-mail");
    refused(api.send("PUT", "/api/users/" + guid, new JsonObject().put("name", "admin").encode(),
        scriptJson(admin)), 409, "a taken name");
    refused(api.send("PUT", "/api/users/no-such-guid", new JsonObject().put("note", "x").encode(),
        scriptJson(admin)), 404, "an unknown user");
  }

  @Test
  void theLastEnabledAdminStays() throws Exception {
    String guid = calls.all("/api/users", admin, 30, "name", "admin").get(0).getString("guid");
    refused(api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(admin)), 409, "disable the last admin");
    refused(api.send("PUT", "/api/users/" + guid, new JsonObject().put("is_admin", false).encode(), scriptJson(admin)),
        409, "demote the last admin");
    ok(api.get("/api/users", scriptGet(admin)));
  }

  @Test
  void forceLogoutEndsEverySessionOfThoseUsers() throws Exception {
    String guid = calls.createUser(admin, "forced", "forced-password").getString("guid");
    String one = calls.login("forced", "forced-password");
    String two = calls.login("forced", "forced-password");
    refused(api.post("/api/users/force-logout", new JsonObject().put("user_guids", new JsonArray().add(guid)
        .add("no-such-guid")), scriptJson(admin)), 404, "an unknown guid changes nothing");
    ok(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(one)));
    empty(api.post("/api/users/force-logout", new JsonObject().put("user_guids", new JsonArray().add(guid)),
        scriptJson(admin)));
    refused(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(one)), 401, "first session");
    refused(api.post("/api/currentUser", new JsonObject(), ApiClient.rust(two)), 401, "second session");
    calls.login("forced", "forced-password");
  }

  @Test
  void anAdminResetsAUsersSecondFactor() throws Exception {
    String guid = calls.createUser(admin, "two-factor", "two-factor-pass").getString("guid");
    String token = calls.login("two-factor", "two-factor-pass");
    String secret = ok(api.post("/api/tfa/totp/start", null, ApiClient.rust(token))).json().getString("secret");
    ok(api.post("/api/tfa/totp/confirm", new JsonObject().put("code",
        Totp.code(secret, Totp.step(System.currentTimeMillis()))), ApiClient.rust(token)));
    assertEquals("email_check", api.post("/api/login", ApiClient.login("two-factor", "two-factor-pass"),
        ApiClient.rust()).json().getString("type"), "two steps now");
    // res/users.py reset-2fa
    empty(api.send("PUT", "/api/users/disable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "2fa").encode(), scriptJson(admin)));
    assertEquals("access_token", api.post("/api/login", ApiClient.login("two-factor", "two-factor-pass"),
        ApiClient.rust()).json().getString("type"), "one step again");
    assertEquals(Boolean.FALSE, calls.all("/api/users", admin, 30, "name", "two-factor").get(0).getValue("totp_enabled"));
    // type "email" turns the e-mail login check off (MailLoginTest): nothing to turn off here
    empty(api.send("PUT", "/api/users/disable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(admin)));
    refused(api.send("PUT", "/api/users/disable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "everything").encode(), scriptJson(admin)), 400,
        "an unknown type");
  }

  @Test
  void aNormalUserIsRefusedEveryAdminCallAndSeesOnlyItsGroup() throws Exception {
    calls.createGroup(admin, "/api/user-groups", "Seen Group");
    calls.createUser(admin, new JsonObject().put("name", "seer").put("password", "seer-password")
        .put("group_name", "Seen Group").put("email", "seer@example.org"));
    String mate = calls.createUser(admin, new JsonObject().put("name", "seer-mate").put("password", "seer-password")
        .put("group_name", "Seen Group").put("email", "mate@example.org").put("note", "private")).getString("guid");
    calls.createUser(admin, "seer-stranger", "seer-password");
    String user = calls.login("seer", "seer-password");

    String g = "/api/users/" + mate;
    for (String[] call : List.of(new String[] {"GET", "/api/users", null},
        new String[] {"POST", "/api/users", "{\"name\":\"x1\",\"password\":\"xxxxxxxxxx\"}"},
        new String[] {"POST", g + "/disable", null}, new String[] {"POST", g + "/enable", null},
        new String[] {"PUT", g, "{\"is_admin\":true}"}, new String[] {"DELETE", g, null},
        new String[] {"POST", "/api/users/force-logout", "{\"user_guids\":[\"" + mate + "\"]}"},
        new String[] {"PUT", "/api/users/disable_login_verification", "{\"user_guids\":[\"" + mate
            + "\"],\"type\":\"2fa\"}"},
        new String[] {"GET", "/api/user-groups", null}, new String[] {"POST", "/api/user-groups", "{\"name\":\"n\"}"},
        new String[] {"GET", "/api/device-groups", null}, new String[] {"POST", "/api/device-groups", "{\"name\":\"n\"}"},
        new String[] {"GET", "/api/tokens", null},
        new String[] {"POST", "/api/tokens", "{\"name\":\"t\",\"scopes\":[\"users\"],\"expires_in_days\":1}"})) {
      Answer a = api.send(call[0], call[1], call[2], scriptJson(user));
      refused(a, 403, call[0] + " " + call[1]);
      assertEquals("Admin required!", a.error());
    }

    // the client's pull: GET with only Authorization, accessible= and status=1
    JsonObject page = ok(api.get("/api/users?current=1&pageSize=100&accessible=&status=1",
        ApiClient.bearerOnly(user))).json();
    assertInstanceOf(Integer.class, page.getValue("total"));
    List<JsonObject> seen = page.getJsonArray("data").stream().map(o -> (JsonObject) o).toList();
    assertEquals(Set.of("seer", "seer-mate"), new HashSet<>(names(seen)));
    for (JsonObject u : seen) {
      for (String k : List.of("name", "display_name", "avatar", "email", "note")) {
        assertTrue(u.getValue(k) == null || u.getValue(k) instanceof String, k + " of " + u.encode());
      }
      assertInstanceOf(Integer.class, u.getValue("status"));
      assertInstanceOf(Boolean.class, u.getValue("is_admin"));
    }
    JsonObject other = seen.stream().filter(u -> u.getString("name").equals("seer-mate")).findFirst().orElseThrow();
    assertNull(other.getValue("email"), "another user's e-mail stays private");
    assertNull(other.getValue("note"));
    assertEquals("seer@example.org", seen.stream().filter(u -> u.getString("name").equals("seer")).findFirst()
        .orElseThrow().getString("email"));

    // an admin's pull lists everyone
    JsonObject all = ok(api.get("/api/users?current=1&pageSize=100&accessible=&status=1",
        ApiClient.bearerOnly(admin))).json();
    assertTrue(names(all.getJsonArray("data").stream().map(o -> (JsonObject) o).toList()).contains("seer-stranger"));
  }
}
