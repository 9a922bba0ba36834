package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared address books: created and ruled by an admin as Pro's {@code res/ab.py} does, used by
 * clients as their rules allow (read-only writes refused with a message the client shows, no
 * access means not listed), devices put into a book by {@code rustdesk --assign} and the admin's
 * assign, and the client's accessible devices ({@code GET /api/peers}).
 */
class ApiSharedAddressBookTest {

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

  static String signedIn(String name, String group) throws Exception {
    JsonObject body = new JsonObject().put("name", name).put("password", name + "-password");
    if (group != null) {
      body.put("group_name", group);
    }
    calls.createUser(admin, body);
    return calls.login(name, name + "-password");
  }

  static String newBook(String name, String password) throws Exception {
    JsonObject made = ok(api.post("/api/ab/shared/add", new JsonObject().put("name", name).put("note", "for " + name)
        .put("info", new JsonObject().put("password", password)), scriptJson(admin))).json();
    return made.getString("guid");
  }

  static List<JsonObject> profiles(String token) throws Exception {
    JsonObject page = ok(api.send("POST", "/api/ab/shared/profiles?current=1&pageSize=100", null,
        ApiClient.rust(token))).json();
    assertInstanceOf(Integer.class, page.getValue("total"));
    return page.getJsonArray("data").stream().map(o -> (JsonObject) o).toList();
  }

  static Answer addPeer(String book, JsonObject peer, String token) throws Exception {
    return api.post("/api/ab/peer/add/" + book, peer, ApiClient.rust(token));
  }

  @Test
  void rulesGiveReadReadWriteAndNothing() throws Exception {
    ok(api.post("/api/user-groups", new JsonObject().put("name", "Support"), scriptJson(admin)));
    String reader = signedIn("sh-reader", null);
    String writer = signedIn("sh-writer", "Support");
    String outsider = signedIn("sh-outsider", null);
    String book = newBook("Customers", "book-pw");
    assertEquals(book, ok(api.get("/api/ab/shared/profiles" + AdminCalls.query("name", "%custom%"),
        scriptGet(admin))).json().getJsonArray("data").getJsonObject(0).getString("guid"));
    refused(api.post("/api/ab/shared/add", new JsonObject().put("name", "customers"), scriptJson(admin)), 409, "taken");

    JsonObject readRule = ok(api.post("/api/ab/rule", new JsonObject().put("guid", book).put("rule", 1)
        .put("user", "sh-reader"), scriptJson(admin))).json();
    ok(api.post("/api/ab/rule", new JsonObject().put("guid", book).put("rule", 2).put("group", "Support"),
        scriptJson(admin)));
    JsonObject rules = ok(api.get("/api/ab/rules" + AdminCalls.query("ab", book), scriptGet(admin))).json();
    assertEquals(2L, rules.getLong("total"));

    // the writer adds a peer with its password (a shared book: password, no hash)
    empty(addPeer(book, new JsonObject().put("id", "600000001").put("alias", "shop").put("tags", new JsonArray())
        .put("password", "peer-pw"), writer));
    // the reader sees the book read-only, with both passwords, and may not write
    JsonObject seen = profiles(reader).get(0);
    assertEquals("Customers", seen.getString("name"));
    assertEquals(1, seen.getInteger("rule"));
    assertEquals("admin", seen.getString("owner"));
    assertEquals("book-pw", seen.getJsonObject("info").getString("password"));
    assertEquals(2, profiles(writer).get(0).getInteger("rule"));
    JsonObject peer = ok(api.send("POST", "/api/ab/peers?current=1&pageSize=100&ab=" + book, null,
        ApiClient.rust(reader))).json().getJsonArray("data").getJsonObject(0);
    assertEquals("peer-pw", peer.getString("password"));
    Answer readOnly = addPeer(book, new JsonObject().put("id", "600000002"), reader);
    refused(readOnly, 403, "read-only");
    assertTrue(readOnly.error().contains("read-only"), readOnly.body());
    refused(api.send("DELETE", "/api/ab/peer/" + book, "[\"600000001\"]", ApiClient.rust(reader)), 403, "read-only");
    refused(api.post("/api/ab/tag/add/" + book, new JsonObject().put("name", "x").put("color", 1),
        ApiClient.rust(reader)), 403, "read-only");
    // no rule: not listed, not readable
    assertTrue(profiles(outsider).isEmpty());
    refused(api.send("POST", "/api/ab/peers?ab=" + book, null, ApiClient.rust(outsider)), 404, "no access");
    refused(api.send("POST", "/api/ab/tags/" + book, null, ApiClient.rust(outsider)), 404, "no access");

    // the reader is promoted, then loses its rule
    empty(api.send("PATCH", "/api/ab/rule", new JsonObject().put("guid", readRule.getString("guid")).put("rule", 2)
        .encode(), scriptJson(admin)));
    empty(addPeer(book, new JsonObject().put("id", "600000002"), reader));
    empty(api.send("DELETE", "/api/ab/rules", new JsonArray().add(readRule.getString("guid")).encode(),
        scriptJson(admin)));
    assertTrue(profiles(reader).isEmpty());
    // everyone: a rule with neither user nor group
    ok(api.post("/api/ab/rule", new JsonObject().put("guid", book).put("rule", 1), scriptJson(admin)));
    assertEquals(1, profiles(outsider).get(0).getInteger("rule"));

    // the admin renames it and changes its password; then deletes it
    empty(api.send("PUT", "/api/ab/shared/update/profile", new JsonObject().put("guid", book).put("name", "Clients")
        .put("info", new JsonObject().put("password", "new-pw")).encode(), scriptJson(admin)));
    assertEquals("new-pw", profiles(outsider).get(0).getJsonObject("info").getString("password"));
    assertEquals("Clients", profiles(outsider).get(0).getString("name"));
    empty(api.send("DELETE", "/api/ab/shared", new JsonArray().add(book).encode(), scriptJson(admin)));
    assertTrue(profiles(outsider).isEmpty());
    refused(api.send("POST", "/api/ab/peers?ab=" + book, null, ApiClient.rust(admin)), 404, "deleted");
  }

  @Test
  void adminCallsNeedAnAdminOrTheAddressBooksScope() throws Exception {
    String user = signedIn("sh-plain", null);
    String devicesOnly = Devices.apiToken(node, "admin", "devices");
    String scoped = Devices.apiToken(node, "admin", "address_books");
    String book = newBook("Scoped", "");
    String[][] adminCalls = {
        {"POST", "/api/ab/shared/add", "{\"name\": \"x\"}"},
        {"PUT", "/api/ab/shared/update/profile", "{\"guid\": \"" + book + "\", \"note\": \"n\"}"},
        {"DELETE", "/api/ab/shared", "[\"" + book + "\"]"},
        {"GET", "/api/ab/rules?ab=" + book, null},
        {"POST", "/api/ab/rule", "{\"guid\": \"" + book + "\", \"rule\": 1}"},
        {"PATCH", "/api/ab/rule", "{\"guid\": \"r\", \"rule\": 1}"},
        {"DELETE", "/api/ab/rules", "[\"r\"]"}};
    for (String[] call : adminCalls) {
      Answer plain = api.send(call[0], call[1], call[2], scriptJson(user));
      refused(plain, 403, call[0] + " " + call[1]);
      assertEquals("Admin required!", plain.error());
      refused(api.send(call[0], call[1], call[2], scriptJson(devicesOnly)), 403, call[1] + " devices scope");
      refused(api.send(call[0], call[1], call[2], scriptJson("forged")), 401, call[1] + " forged");
    }
    ok(api.post("/api/ab/rule", new JsonObject().put("guid", book).put("rule", 1), scriptJson(scoped)));
    assertEquals(1L, ok(api.get("/api/ab/rules?ab=" + book, scriptGet(scoped))).json().getLong("total"));
  }

  @Test
  void devicesArePutIntoABookByNameAndTheClientSeesItsAccessibleDevices() throws Exception {
    String owner = signedIn("sh-owner", null);
    String stranger = signedIn("sh-stranger", null);
    String devicesToken = Devices.apiToken(node, "admin", "devices");
    String book = newBook("Fleet", "");
    try (UdpDevice d = Devices.register(node, "700000001"); UdpDevice e = Devices.register(node, "700000002")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      // rustdesk --assign --token <t> --address_book_name Fleet --address_book_tag lab ... --user_name sh-owner
      Answer assigned = api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid))
          .put("address_book_name", "Fleet").put("address_book_tag", "lab").put("address_book_alias", "bench")
          .put("address_book_password", "pw").put("address_book_note", "rack 2").put("user_name", "sh-owner"),
          ApiClient.rust(devicesToken));
      assertEquals(200, assigned.status(), assigned.body());
      assertEquals("", assigned.body(), "the client prints Done!");
      JsonObject peer = ok(api.send("POST", "/api/ab/peers?ab=" + book, null, ApiClient.rust(admin))).json()
          .getJsonArray("data").getJsonObject(0);
      assertEquals(d.id, peer.getString("id"));
      assertEquals("bench", peer.getString("alias"));
      assertEquals("host-" + d.id, peer.getString("hostname"));
      assertEquals("Linux", peer.getString("platform"));
      assertEquals("pw", peer.getString("password"));
      assertEquals("rack 2", peer.getString("note"));
      assertEquals(new JsonArray().add("lab"), peer.getJsonArray("tags"));
      assertEquals("lab", new JsonArray(ok(api.send("POST", "/api/ab/tags/" + book, null, ApiClient.rust(admin)))
          .body()).getJsonObject(0).getString("name"));
      refused(api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid))
          .put("address_book_tag", "lab"), ApiClient.rust(devicesToken)), 400, "a tag without a book");

      // the admin's assign: {type: "ab", value: <book name>}
      api.post("/api/sysinfo", Devices.sysinfo(e.id, e.uuid), ApiClient.rust());
      String guid = ok(api.get("/api/devices?id=" + e.id, scriptGet(admin))).json().getJsonArray("data")
          .getJsonObject(0).getString("guid");
      empty(api.post("/api/devices/" + guid + "/assign", new JsonObject().put("type", "ab").put("value", "fleet"),
          scriptJson(admin)));
      assertEquals(2L, ok(api.send("POST", "/api/ab/peers?ab=" + book, null, ApiClient.rust(admin))).json()
          .getLong("total"));
      refused(api.post("/api/devices/" + guid + "/assign", new JsonObject().put("type", "ab").put("value", ""),
          scriptJson(admin)), 400, "no book name");

      // accessible devices: the owner sees its device, typed as the client parses it; a stranger none
      JsonObject mine = ok(api.get("/api/peers?current=1&pageSize=100&accessible=&status=1",
          ApiClient.bearerOnly(owner))).json();
      assertInstanceOf(Integer.class, mine.getValue("total"));
      assertEquals(1, mine.getInteger("total"));
      JsonObject item = mine.getJsonArray("data").getJsonObject(0);
      assertEquals(d.id, item.getString("id"));
      assertInstanceOf(JsonObject.class, item.getValue("info"));
      assertEquals("host-" + d.id, item.getJsonObject("info").getString("device_name"));
      assertTrue(item.getJsonObject("info").getString("os").startsWith("linux / "));
      assertInstanceOf(Integer.class, item.getValue("status"));
      assertEquals("sh-owner", item.getString("user_name"));
      for (String key : new String[] {"user", "device_group_name", "note"}) {
        assertInstanceOf(String.class, item.getValue(key), key);
      }
      assertEquals(0, ok(api.get("/api/peers?current=1&pageSize=100&accessible=&status=1",
          ApiClient.bearerOnly(stranger))).json().getInteger("total"));
      assertTrue(ok(api.get("/api/peers?current=1&pageSize=100&accessible=&status=1", ApiClient.bearerOnly(admin)))
          .json().getInteger("total") >= 2, "an admin sees every device");
      // the rest of the tab: accessible users (UserPayload) and device groups ({name}), typed as parsed
      JsonObject users = ok(api.get("/api/users?current=1&pageSize=100&accessible=&status=1",
          ApiClient.bearerOnly(owner))).json();
      assertInstanceOf(Integer.class, users.getValue("total"));
      JsonObject me = users.getJsonArray("data").getJsonObject(0);
      assertEquals("sh-owner", me.getString("name"));
      assertInstanceOf(Integer.class, me.getValue("status"));
      assertInstanceOf(Boolean.class, me.getValue("is_admin"));
      assertInstanceOf(JsonObject.class, me.getValue("info"));
      ok(api.post("/api/device-groups", new JsonObject().put("name", "Racks"), scriptJson(admin)));
      String racks = ok(api.get("/api/device-groups?name=Racks", scriptGet(admin))).json().getJsonArray("data")
          .getJsonObject(0).getString("guid");
      empty(api.send("POST", "/api/device-groups/" + racks, new JsonArray().add(d.id).encode(), scriptJson(admin)));
      JsonObject groups = ok(api.get("/api/device-group/accessible?current=1&pageSize=100",
          ApiClient.bearerOnly(owner))).json();
      assertInstanceOf(Integer.class, groups.getValue("total"));
      assertEquals("Racks", groups.getJsonArray("data").getJsonObject(0).getString("name"));
      assertEquals("Racks", ok(api.get("/api/peers?current=1&pageSize=100&accessible=&status=1",
          ApiClient.bearerOnly(owner))).json().getJsonArray("data").getJsonObject(0).getString("device_group_name"));
      refused(api.get("/api/peers", ApiClient.bearerOnly(stranger)), 403, "not an admin, not accessible=");
      refused(api.get("/api/peers?accessible=", ApiClient.bearerOnly("forged")), 401, "forged");
      refused(api.get("/api/peers?accessible=&status=7", ApiClient.bearerOnly(owner)), 400, "status 0 or 1");
    }
  }
}
