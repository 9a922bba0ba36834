package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.names;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User groups and device groups as {@code rustdesk/rustdesk: res/user-groups.py} and
 * {@code res/device-groups.py} manage them, and the client's accessible device groups.
 */
class ApiGroupsAdminTest {

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

  /** The scripts' get_group_by_name: list with the exact name, then compare names exactly. */
  static JsonObject byName(String base, String name) throws Exception {
    return calls.all(base, admin, 50, "name", name).stream().filter(g -> g.getString("name").equals(name))
        .findFirst().orElse(null);
  }

  @Test
  void userGroupsAreCreatedRenamedFilledAndDeletedAsTheScriptDoes() throws Exception {
    JsonObject created = ok(api.post("/api/user-groups", new JsonObject().put("name", "Ops").put("note", "on call"),
        scriptJson(admin))).json();
    assertEquals("Ops", created.getString("name"));
    assertEquals(0L, created.getLong("user_count"));
    refused(api.post("/api/user-groups", new JsonObject().put("name", "OPS"), scriptJson(admin)), 409, "taken, any case");
    String guid = byName("/api/user-groups", "Ops").getString("guid");

    // update: new name and note by PATCH
    ok(api.send("PATCH", "/api/user-groups/" + guid, new JsonObject().put("name", "Operations").put("note", "24/7")
        .encode(), scriptJson(admin)));
    assertNull(byName("/api/user-groups", "Ops"));
    assertEquals("24/7", byName("/api/user-groups", "Operations").getString("note"));

    // add-users: the users' guids as a bare JSON array
    String a = calls.createUser(admin, "ops-a", "ops-password").getString("guid");
    String b = calls.createUser(admin, "ops-b", "ops-password").getString("guid");
    empty(api.send("POST", "/api/user-groups/" + guid, new JsonArray().add(a).add(b).encode(), scriptJson(admin)));
    assertEquals(List.of("ops-a", "ops-b"), names(calls.all("/api/users", admin, 50, "group_name", "Operations")));
    assertEquals(2L, byName("/api/user-groups", "Operations").getLong("user_count"));
    refused(api.send("POST", "/api/user-groups/" + guid, new JsonArray().add("no-such-user").encode(),
        scriptJson(admin)), 404, "an unknown user");

    // a member sees the other one among its accessible users
    String memberToken = calls.login("ops-a", "ops-password");
    assertEquals(List.of("ops-a", "ops-b"), names(ok(api.get("/api/users?current=1&pageSize=100&accessible=&status=1",
        ApiClient.bearerOnly(memberToken))).json().getJsonArray("data").stream().map(o -> (JsonObject) o).toList()));

    empty(api.send("DELETE", "/api/user-groups/" + guid, null, scriptJson(admin)));
    assertNull(byName("/api/user-groups", "Operations"));
    assertEquals(List.of("ops-a"), names(ok(api.get("/api/users?current=1&pageSize=100&accessible=&status=1",
        ApiClient.bearerOnly(memberToken))).json().getJsonArray("data").stream().map(o -> (JsonObject) o).toList()),
        "no group: only itself");
    assertEquals("", calls.all("/api/users", admin, 50, "name", "ops-a").get(0).getString("group_name"));
    refused(api.send("DELETE", "/api/user-groups/" + guid, null, scriptJson(admin)), 404, "gone");
    refused(api.send("PATCH", "/api/user-groups/" + guid, "{\"note\":\"x\"}", scriptJson(admin)), 404, "gone");
  }

  @Test
  void deviceGroupsTakeAndReleaseDevicesByTheirIds() throws Exception {
    String owner = calls.createUser(admin, "dev-owner", "owner-password").getString("guid");
    calls.insertDevice("111111111", owner);
    calls.insertDevice("222222222", null);
    calls.insertDevice("333333333", null);
    ok(api.post("/api/device-groups", new JsonObject().put("name", "Lab").put("note", "bench"), scriptJson(admin)));
    ok(api.post("/api/device-groups", new JsonObject().put("name", "Office"), scriptJson(admin)));
    String lab = byName("/api/device-groups", "Lab").getString("guid");
    String office = byName("/api/device-groups", "Office").getString("guid");

    // add-devices: the IDs as a bare JSON array
    empty(api.send("POST", "/api/device-groups/" + lab, "[\"111111111\", \"222222222\"]", scriptJson(admin)));
    assertEquals("Lab", calls.deviceGroupOf("111111111"));
    assertEquals(2L, byName("/api/device-groups", "Lab").getLong("device_count"));
    // all or nothing
    refused(api.send("POST", "/api/device-groups/" + office, "[\"333333333\", \"999999999\"]", scriptJson(admin)),
        404, "an unknown device");
    assertNull(calls.deviceGroupOf("333333333"), "nothing changed");
    // a device is in one group: moving it takes it out of the other
    empty(api.send("POST", "/api/device-groups/" + office, "[\"222222222\"]", scriptJson(admin)));
    assertEquals("Office", calls.deviceGroupOf("222222222"));

    // remove-devices: DELETE .../devices with the IDs; one in another group stays there
    empty(api.send("DELETE", "/api/device-groups/" + lab + "/devices", "[\"111111111\", \"222222222\"]",
        scriptJson(admin)));
    assertNull(calls.deviceGroupOf("111111111"));
    assertEquals("Office", calls.deviceGroupOf("222222222"));
    refused(api.send("DELETE", "/api/device-groups/" + lab + "/devices", "[\"999999999\"]", scriptJson(admin)), 404,
        "an unknown device");

    // a device group has no outgoing rules, an empty list is fine
    refused(api.post("/api/device-groups", new JsonObject().put("name", "Ruled").put("allowed_outgoings",
        new JsonArray().add(new JsonObject().put("type", 0).put("name", "Ops"))), scriptJson(admin)), 400, "rules");
    ok(api.post("/api/device-groups", new JsonObject().put("name", "Unruled").put("allowed_incomings",
        new JsonArray()), scriptJson(admin)));

    empty(api.send("DELETE", "/api/device-groups/" + office, null, scriptJson(admin)));
    assertNull(calls.deviceGroupOf("222222222"), "its devices are in no group");
  }

  @Test
  void theClientSeesTheDeviceGroupsOfItsDevicesAndAnAdminSeesAll() throws Exception {
    String owner = calls.createUser(admin, "acc-owner", "owner-password").getString("guid");
    calls.insertDevice("444444444", owner);
    calls.insertDevice("555555555", null);
    ok(api.post("/api/device-groups", new JsonObject().put("name", "Acc Mine"), scriptJson(admin)));
    ok(api.post("/api/device-groups", new JsonObject().put("name", "Acc Other"), scriptJson(admin)));
    empty(api.send("POST", "/api/device-groups/" + byName("/api/device-groups", "Acc Mine").getString("guid"),
        "[\"444444444\"]", scriptJson(admin)));
    empty(api.send("POST", "/api/device-groups/" + byName("/api/device-groups", "Acc Other").getString("guid"),
        "[\"555555555\"]", scriptJson(admin)));
    String user = calls.login("acc-owner", "owner-password");
    // group_model.dart: GET with only Authorization
    JsonObject mine = ok(api.get("/api/device-group/accessible?current=1&pageSize=100",
        ApiClient.bearerOnly(user))).json();
    assertInstanceOf(Integer.class, mine.getValue("total"));
    assertEquals(List.of("Acc Mine"), names(mine.getJsonArray("data").stream().map(o -> (JsonObject) o).toList()));
    List<String> all = names(ok(api.get("/api/device-group/accessible?current=1&pageSize=100",
        ApiClient.bearerOnly(admin))).json().getJsonArray("data").stream().map(o -> (JsonObject) o).toList());
    assertEquals(true, all.containsAll(List.of("Acc Mine", "Acc Other")), all.toString());
    refused(api.get("/api/device-group/accessible", scriptGet("forged")), 401, "a forged token");
  }
}
