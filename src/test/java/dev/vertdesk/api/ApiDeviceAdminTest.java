package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin's device inventory as RustDesk's admin scripts use it (rustdesk/rustdesk:
 * res/devices.py): the list joined with the registry's online state, enable and disable with
 * their effect on registration and punch, delete, assignments, and who may do any of it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiDeviceAdminTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String admin;
  static String token;
  static String bob;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
    admin = Devices.session(node, "admin");
    token = Devices.apiToken(node, "admin", "devices");
    Devices.user(node, "bob");
    bob = Devices.session(node, "bob");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject list(String query) throws Exception {
    Answer a = api.get("/api/devices" + query, ApiClient.bearerOnly(admin));
    assertEquals(200, a.status(), a.body());
    return a.json();
  }

  static JsonObject only(String id) throws Exception {
    JsonObject page = list("?id=" + id);
    assertEquals(1, page.getLong("total"), page.encode());
    return page.getJsonArray("data").getJsonObject(0);
  }

  static void uploaded(String id, byte[] uid) throws Exception {
    assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(id, uid), ApiClient.rust()).body());
  }

  static Answer post(String path, JsonObject body, String bearer) throws Exception {
    return api.send("POST", path, body == null ? null : body.encode(), body == null
        ? ApiClient.bearerOnly(bearer) : ApiClient.rust(bearer));
  }

  /** A controlling client's punch request for {@code id} over TCP signaling. */
  static PunchHoleResponse punch(String id) throws Exception {
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(id)
          .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build());
      RendezvousMessage m = a.read();
      return m == null || m.getUnionCase() != UnionCase.PUNCH_HOLE_RESPONSE ? null : m.getPunchHoleResponse();
    }
  }

  @Test
  void theListJoinsTheInventoryWithTheRegistrysOnlineState() throws Exception {
    try (UdpDevice online = Devices.register(node, "410000001")) {
      uploaded(online.id, online.uuid);
      // known to the rendezvous server, not registered now
      byte[] uid = Devices.machineUid("410000002");
      node.core().store().insert("410000002", uid, Nacl.signKeyPair().publicKey(), "192.0.2.9")
          .await(10, TimeUnit.SECONDS);
      uploaded("410000002", uid);

      JsonObject page = list("?id=41000000%25&current=1&pageSize=100");
      assertEquals(2, page.getValue("total"), "an integer total, as the client's pager needs");
      JsonArray data = page.getJsonArray("data");
      JsonObject first = data.getJsonObject(0);
      JsonObject second = data.getJsonObject(1);
      assertEquals("410000001", first.getString("id"));
      assertEquals(Boolean.TRUE, first.getValue("is_online"));
      assertEquals(Boolean.FALSE, second.getValue("is_online"));
      for (JsonObject item : List.of(first, second)) {
        assertEquals(36, item.getString("guid").length());
        assertEquals(1, item.getValue("status"));
        assertTrue(item.getString("last_online").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
            "what res/devices.py parses after splitting on '.': " + item.getString("last_online"));
        JsonObject info = item.getJsonObject("info");
        assertEquals("host-" + item.getString("id"), info.getString("device_name"));
        assertEquals("linux / Debian GNU/Linux 12", info.getString("os"));
        assertEquals("alice", info.getString("username"));
        assertEquals("1.4.9", info.getString("version"));
      }

      JsonObject second1 = list("?id=41000000%25&current=2&pageSize=1");
      assertEquals(2, second1.getLong("total"));
      assertEquals("410000002", second1.getJsonArray("data").getJsonObject(0).getString("id"));
      assertEquals(0, list("?id=41000000%25&current=3&pageSize=1").getJsonArray("data").size());
      assertEquals(1, list("?device_name=%25HOST-410000002%25").getLong("total"), "LIKE without regard to case");
      assertEquals(0, list("?id=410000001_").getLong("total"));

      Answer withToken = api.get("/api/devices?id=410000001", ApiClient.bearerOnly(token));
      assertEquals(200, withToken.status(), "an API token with the devices scope");
      assertEquals(1, withToken.json().getLong("total"));
    }
  }

  @Test
  void aDisabledDeviceCannotRegisterNorBeReachedUntilEnabled() throws Exception {
    try (UdpDevice d = Devices.register(node, "410000010")) {
      uploaded(d.id, d.uuid);
      String guid = only(d.id).getString("guid");

      Answer off = post("/api/devices/" + guid + "/disable", null, admin);
      assertEquals(200, off.status(), off.body());
      assertEquals("", off.body(), "an empty success, as the admin scripts accept");
      assertEquals(0, only(d.id).getValue("status"));

      assertEquals(Result.NOT_DEPLOYED, d.registerPk());
      assertEquals(Boolean.TRUE, d.heartbeat(), "a heartbeat only earns request_pk");
      PunchHoleResponse refused = punch(d.id);
      assertNotNull(refused);
      assertTrue(refused.getSocketAddr().isEmpty());
      assertEquals(SignalingService.DISABLED_TEXT, refused.getOtherFailure());
      // device and requester share 127.0.0.1: a punch would reach the device as FetchLocalAddr
      assertNull(d.receive(UnionCase.FETCH_LOCAL_ADDR), "the device is not told");

      assertEquals(200, post("/api/devices/" + guid + "/enable", null, token).status());
      assertEquals(1, only(d.id).getValue("status"));
      assertEquals(Result.OK, d.registerPk());
      try (TcpClient a = new TcpClient(node.port("signaling"))) {
        a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(d.id)
            .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build());
        assertNotNull(d.receive(UnionCase.FETCH_LOCAL_ADDR), "reachable again");
      }

      String nobody = UUID.randomUUID().toString();
      Answer missing = post("/api/devices/" + nobody + "/disable", null, admin);
      assertEquals(404, missing.status());
      assertNotNull(missing.error());
    }
  }

  @Test
  void aDeletedDeviceIsForgottenUntilItUploadsAgain() throws Exception {
    try (UdpDevice d = Devices.register(node, "410000020")) {
      uploaded(d.id, d.uuid);
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).body());
      String guid = only(d.id).getString("guid");

      Answer deleted = api.send("DELETE", "/api/devices/" + guid, null, ApiClient.bearerOnly(admin));
      assertEquals(200, deleted.status(), deleted.body());
      assertEquals(0, list("?id=" + d.id).getLong("total"));
      assertEquals(404, api.send("DELETE", "/api/devices/" + guid, null, ApiClient.bearerOnly(admin)).status());

      // still registered: its next heartbeat asks for the upload that brings it back
      assertEquals(new JsonObject().put("sysinfo", true),
          api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).json());
      uploaded(d.id, d.uuid);
      assertNotEquals(guid, only(d.id).getString("guid"), "a new entry");
    }
  }

  @Test
  void assignmentsNameTheUserTheGroupAndTheDevice() throws Exception {
    try (UdpDevice d = Devices.register(node, "410000030")) {
      uploaded(d.id, d.uuid);
      String guid = only(d.id).getString("guid");
      Devices.api(node).db().update("insert into device_groups (guid, name, name_key, created_at) values (?, ?, ?, ?)",
          UUID.randomUUID().toString(), "Lab", "lab", System.currentTimeMillis()).await(10, TimeUnit.SECONDS);
      String path = "/api/devices/" + guid + "/assign";
      for (String[] tv : new String[][] {{"user_name", "bob"}, {"device_group_name", "lab"}, {"note", "front desk\nsecond line"},
          {"device_username", "reception"}, {"device_name", "Desk 1"}}) {
        Answer a = post(path, new JsonObject().put("type", tv[0]).put("value", tv[1]), admin);
        assertEquals(200, a.status(), tv[0] + ": " + a.body());
        assertEquals("", a.body());
      }
      JsonObject item = only(d.id);
      assertEquals("bob", item.getString("user_name"));
      assertEquals("Lab", item.getString("device_group_name"));
      assertNull(item.getString("group_name"), "bob is in no user group");
      assertEquals("front desk\nsecond line", item.getString("note"));
      assertEquals("Desk 1", item.getJsonObject("info").getString("device_name"), "the admin's name wins");
      assertEquals("host-410000030", item.getJsonObject("info").getString("hostname"));
      assertEquals("reception", item.getJsonObject("info").getString("username"));
      assertEquals(1, list("?user_name=BOB&device_group_name=lab&group_name=-&id=" + d.id).getLong("total"));

      assertEquals(200, post(path, new JsonObject().put("type", "user_name").put("value", ""), token).status());
      assertNull(only(d.id).getString("user_name"), "an empty value clears");
      assertEquals(1, list("?user_name=-&id=" + d.id).getLong("total"));

      // ab names a shared address book (ApiAddressBookDevicesTest); there is none named x
      assertEquals(404, post(path, new JsonObject().put("type", "ab").put("value", "x"), admin).status());
      assertEquals(404, post(path, new JsonObject().put("type", "strategy_name").put("value", "x"), admin).status(),
          "no strategy named x");
      assertEquals(400, post(path, new JsonObject().put("type", "colour").put("value", "red"), admin).status());
      assertEquals(400, post(path, new JsonObject().put("value", "bob"), admin).status());
      assertEquals(400, post(path, new JsonObject().put("type", "device_name").put("value", "bell\u0007"), admin).status());
      Answer nobody = post(path, new JsonObject().put("type", "user_name").put("value", "nobody"), admin);
      assertEquals(404, nobody.status());
      assertTrue(nobody.error().contains("nobody"));
    }
  }

  @Test
  void onlyAdminsAndDeviceTokensManageDevices() throws Exception {
    try (UdpDevice d = Devices.register(node, "410000040")) {
      uploaded(d.id, d.uuid);
      String guid = only(d.id).getString("guid");
      String otherScope = Devices.apiToken(node, "admin", "users,audit");
      String expired = new TokenStore(Devices.api(node).db()).issue(Principal.API,
          Devices.api(node).accounts().users().byName("admin").await(10, TimeUnit.SECONDS).guid(), "old", "devices",
          null, System.currentTimeMillis() - 1000).await(10, TimeUnit.SECONDS);
      JsonObject assign = new JsonObject().put("type", "note").put("value", "x");
      Map<String, Integer> expected = Map.of(bob, 403, otherScope, 403, expired, 401, "forged-" + UUID.randomUUID(), 401);
      for (Map.Entry<String, Integer> who : expected.entrySet()) {
        String t = who.getKey();
        int status = who.getValue();
        List<Answer> answers = List.of(api.get("/api/devices", ApiClient.bearerOnly(t)),
            post("/api/devices/" + guid + "/disable", null, t), post("/api/devices/" + guid + "/enable", null, t),
            post("/api/devices/" + guid + "/assign", assign, t),
            api.send("DELETE", "/api/devices/" + guid, null, ApiClient.bearerOnly(t)));
        for (Answer a : answers) {
          assertEquals(status, a.status(), a.body());
          assertNotNull(a.error(), "a JSON error");
        }
      }
      assertEquals("Admin required!", api.get("/api/devices", ApiClient.bearerOnly(bob)).error());
      assertEquals(401, api.get("/api/devices", Map.of()).status());
      assertEquals(1, only(d.id).getValue("status"), "nothing was changed by those refused");
      assertEquals("", only(d.id).getString("note"));
      assertFalse(Devices.api(node).db().first("select id from devices where id = ?", r -> r.getString("id"), d.id)
          .await(10, TimeUnit.SECONDS) == null, "nor deleted");
    }
  }
}
