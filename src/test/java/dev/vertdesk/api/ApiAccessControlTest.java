package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.access.AccessControl;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control between user groups and device groups, as signaling enforces it for signed-in
 * controllers (the {@code token} of PunchHoleRequest and RequestRelay): a refusal is the text the
 * client shows ({@code other_failure}, {@code refuse_reason}; rustdesk/rustdesk: src/client.rs),
 * the device hears nothing, and an {@code access.refused} event is published.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAccessControlTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String admin;
  static final List<JsonObject> refusals = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
    admin = Devices.apiToken(node, "admin", "devices,groups,users");
    node.vertx.eventBus().<JsonObject>consumer(Addresses.ACCESS_REFUSED, m -> refusals.add(m.body()));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject ok(ApiClient api, Answer a) {
    assertEquals(200, a.status(), a.body());
    return a.body().isEmpty() ? null : a.json();
  }

  static JsonArray rules(Object... typeAndName) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < typeAndName.length; i += 2) {
      a.add(new JsonObject().put("type", typeAndName[i]).put("name", typeAndName[i + 1]));
    }
    return a;
  }

  /** A user in a user group (created when missing), and a session of theirs. */
  static String member(ApiClient api, String admin, TestNode node, String user, String group) throws Exception {
    int created = api.post("/api/user-groups", new JsonObject().put("name", group), ApiClient.bearerOnly(admin)).status();
    assertTrue(created == 200 || created == 409, "group " + group + ": " + created);
    ok(api, api.post("/api/users", new JsonObject().put("name", user).put("password", "a-long-password-" + user)
        .put("group_name", group), ApiClient.bearerOnly(admin)));
    return Devices.session(node, user);
  }

  /** A registered device with a row in the inventory (sysinfo uploaded). */
  static UdpDevice device(ApiClient api, TestNode node, String id) throws Exception {
    UdpDevice d = Devices.register(node, id);
    assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
    return d;
  }

  /** What the controlling side is told about a punch request with {@code token}; null when it goes through. */
  static String punch(TestNode signaling, String id, String token) throws Exception {
    try (TcpClient a = new TcpClient(signaling.port("signaling"))) {
      a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(id)
          .setLicenceKey(signaling.core().keys().validationKey().orElseThrow()).setToken(token)).build());
      RendezvousMessage m = a.read(1000);
      return m == null ? null : m.getPunchHoleResponse().getOtherFailure();
    }
  }

  /** The refuse_reason of a relay request with {@code token}; null when none came (it was forwarded). */
  static String relay(TestNode signaling, String id, String token, String uuid) throws Exception {
    try (TcpClient a = new TcpClient(signaling.port("signaling"))) {
      a.send(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder().setId(id).setUuid(uuid)
          .setLicenceKey(signaling.core().keys().validationKey().orElseThrow()).setToken(token)
          .setRelayServer("127.0.0.1")).build());
      RendezvousMessage m = a.read(1000);
      if (m == null) {
        return null;
      }
      RelayResponse r = m.getRelayResponse();
      assertEquals(uuid, r.getUuid());
      return r.getRefuseReason();
    }
  }

  @Test
  void aControllerOutsideTheRulesIsRefusedAPunchAndARelayAndTheDeviceHearsNothing() throws Exception {
    String alice = member(api, admin, node, "alice", "ops");
    String bob = member(api, admin, node, "bob", "sales");
    ok(api, api.post("/api/device-groups", new JsonObject().put("name", "servers")
        .put("allowed_incomings", rules(0, "OPS")), ApiClient.bearerOnly(admin)));
    try (UdpDevice server = device(api, node, "460000001")) {
      String servers = ok(api, api.get("/api/device-groups?name=servers", ApiClient.bearerOnly(admin)))
          .getJsonArray("data").getJsonObject(0).getString("guid");
      ok(api, api.send("POST", "/api/device-groups/" + servers, new JsonArray().add(server.id).encode(),
          ApiClient.bearerOnly(admin)));
      JsonObject shown = ok(api, api.get("/api/device-groups?name=servers", ApiClient.bearerOnly(admin)))
          .getJsonArray("data").getJsonObject(0);
      assertEquals(rules(0, "ops"), shown.getJsonArray("allowed_incomings"), "shown by the current name");

      assertEquals(AccessControl.REFUSED, punch(node, server.id, bob), "bob's group is not let in");
      assertNull(server.receive(UnionCase.FETCH_LOCAL_ADDR), "the device hears nothing of a refused punch");
      assertEquals(AccessControl.REFUSED, relay(node, server.id, bob, "uuid-bob"));
      assertNull(server.receive(UnionCase.REQUEST_RELAY), "nor of a refused relay");
      Eventually.until(() -> refusals.stream().anyMatch(e -> "bob".equals(e.getString("user"))
          && server.id.equals(e.getString("id")) && "incoming".equals(e.getString("reason"))
          && "127.0.0.1".equals(e.getString("from"))), 3000, "the refusal is published");

      assertNull(punch(node, server.id, alice), "alice's group is let in");
      assertNotNull(server.receive(UnionCase.FETCH_LOCAL_ADDR), "and the device hears of her");
      assertNull(relay(node, server.id, alice, "uuid-alice"));
      assertNotNull(server.receive(UnionCase.REQUEST_RELAY));
      assertNull(punch(node, server.id, ""), "without a login, mustLogin decides (off here)");
      assertNotNull(server.receive(UnionCase.FETCH_LOCAL_ADDR));
      assertNull(punch(node, server.id, Devices.session(node, "admin")), "admins pass");
      assertNotNull(server.receive(UnionCase.FETCH_LOCAL_ADDR));

      // the rule lifted: bob gets through
      ok(api, api.send("PATCH", "/api/device-groups/" + servers, new JsonObject().put("allowed_incomings",
          new JsonArray()).encode(), ApiClient.bearerOnly(admin)));
      Eventually.until(() -> quietPunch(node, server.id, bob) == null, 3000, "bob let in");
    }
  }

  @Test
  void aGroupsOutgoingRulesLimitWhereItsUsersGo() throws Exception {
    String carol = member(api, admin, node, "carol", "support");
    String dave = member(api, admin, node, "dave", "owners");
    ok(api, api.post("/api/device-groups", new JsonObject().put("name", "desktops"), ApiClient.bearerOnly(admin)));
    String support = ok(api, api.get("/api/user-groups?name=support", ApiClient.bearerOnly(admin)))
        .getJsonArray("data").getJsonObject(0).getString("guid");
    JsonObject changed = ok(api, api.send("PATCH", "/api/user-groups/" + support, new JsonObject()
        .put("allowed_outgoings", rules(1, "desktops", 2, "dave")).encode(), ApiClient.bearerOnly(admin)));
    assertEquals(rules(1, "desktops", 2, "dave"), changed.getJsonArray("allowed_outgoings"));
    try (UdpDevice loose = device(api, node, "460000002");
         UdpDevice daves = device(api, node, "460000003")) {
      String guid = ok(api, api.get("/api/devices?id=" + daves.id, ApiClient.bearerOnly(admin))).getJsonArray("data")
          .getJsonObject(0).getString("guid");
      ok(api, api.post("/api/devices/" + guid + "/assign", new JsonObject().put("type", "user_name").put("value", "dave"),
          ApiClient.bearerOnly(admin)));
      Eventually.until(() -> AccessControl.REFUSED.equals(quietPunch(node, loose.id, carol)), 3000,
          "a device outside carol's outgoings");
      Eventually.until(() -> quietPunch(node, daves.id, carol) == null, 3000, "dave's device is in them");
      assertNull(punch(node, loose.id, dave), "dave's group has no outgoing rules");
      assertNull(punch(node, daves.id, dave), "his own device");
    }
  }

  static String quietPunch(TestNode signaling, String id, String token) {
    try {
      return punch(signaling, id, token);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void badRulesAreRefusedAndLoginStillWorks() throws Exception {
    ok(api, api.post("/api/user-groups", new JsonObject().put("name", "ruled"), ApiClient.bearerOnly(admin)));
    Object[][] cases = {
        {"POST", "/api/device-groups", new JsonObject().put("name", "g1").put("allowed_outgoings", rules(0, "ruled")), 400},
        {"POST", "/api/device-groups", new JsonObject().put("name", "g2").put("allowed_incomings", rules(1, "g1")), 400},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g3").put("allowed_incomings", rules(5, "ruled")), 400},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g4").put("allowed_incomings", rules("0", "ruled")), 400},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g5").put("allowed_incomings", rules(0, 7)), 400},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g6").put("allowed_incomings",
            new JsonArray().add("ruled")), 400},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g7").put("allowed_incomings",
            rules(0, "' or 1=1 --")), 404},
        {"POST", "/api/user-groups", new JsonObject().put("name", "g8").put("allowed_outgoings",
            rules(2, "nobody")), 404},
    };
    for (Object[] c : cases) {
      Answer a = api.send((String) c[0], (String) c[1], ((JsonObject) c[2]).encode(), ApiClient.bearerOnly(admin));
      assertEquals(c[3], a.status(), c[2] + ": " + a.body());
      assertNotNull(a.error(), a.body());
    }
    JsonArray many = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      many.add(new JsonObject().put("type", 0).put("name", "ruled"));
    }
    assertEquals(400, api.post("/api/user-groups", new JsonObject().put("name", "g9").put("allowed_incomings", many),
        ApiClient.bearerOnly(admin)).status());
    assertEquals(0L, api.get("/api/user-groups?name=g7", ApiClient.bearerOnly(admin)).json().getLong("total"),
        "a refused create creates nothing");
    Devices.user(node, "rule-reader");
    assertEquals(403, api.send("PATCH", "/api/user-groups/x", "{\"allowed_incomings\": []}",
        ApiClient.bearerOnly(Devices.session(node, "rule-reader"))).status());
    String password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
    assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status());
  }
}
