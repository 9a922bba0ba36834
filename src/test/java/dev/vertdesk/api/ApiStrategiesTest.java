package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strategies as the client receives them with its heartbeat (rustdesk/rustdesk:
 * src/hbbs_http/sync.rs): {@code strategy.config_options} and {@code modified_at} are sent when the
 * heartbeat's {@code modified_at} (the client's {@code strategy_timestamp}) differs from the
 * version of the device's strategy, which is its own, else its user's, else its device group's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiStrategiesTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject().put("api",
        new JsonObject().put("config", new JsonObject().put("maxBodyBytes", 65_536)))));
    api = new ApiClient(node.port("api"));
    admin = Devices.apiToken(node, "admin", "strategies,devices,groups,users");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject ok(Answer a) {
    assertEquals(200, a.status(), a.body());
    return a.body().isEmpty() ? null : a.json();
  }

  static JsonObject strategy(String name, JsonObject options) throws Exception {
    return ok(api.post("/api/strategies", new JsonObject().put("name", name).put("options", options),
        ApiClient.bearerOnly(admin)));
  }

  static void assign(String strategy, JsonArray peers, JsonArray users, JsonArray groups) throws Exception {
    JsonObject body = new JsonObject().put("peers", peers).put("users", users).put("groups", groups);
    if (strategy != null) {
      body.put("strategy", strategy);
    }
    assertEquals("", api.post("/api/strategies/assign", body, ApiClient.bearerOnly(admin)).body());
  }

  /** The heartbeat answer of a device whose client holds strategy version {@code modifiedAt}. */
  static JsonObject heartbeat(UdpDevice d, long modifiedAt) throws Exception {
    return ok(api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid).put("modified_at", modifiedAt),
        ApiClient.rust()));
  }

  /** What the client would do with the answer: the options it writes, or null when it gets no strategy. */
  static JsonObject options(JsonObject answer) {
    JsonObject s = answer.getJsonObject("strategy");
    return s == null ? null : s.getJsonObject("config_options");
  }

  static String deviceGuid(String id) throws Exception {
    return ok(api.get("/api/devices?id=" + id, ApiClient.bearerOnly(admin))).getJsonArray("data").getJsonObject(0)
        .getString("guid");
  }

  static String guidOf(String path, String name) throws Exception {
    JsonArray data = ok(api.get(path + "?name=" + name, ApiClient.bearerOnly(admin))).getJsonArray("data");
    return data.getJsonObject(0).getString("guid");
  }

  @Test
  void theDeviceStrategyWinsOverTheUsersWhichWinsOverTheDeviceGroups() throws Exception {
    Devices.user(node, "prio-user");
    String userGuid = guidOf("/api/users", "prio-user");
    String group = ok(api.post("/api/device-groups", new JsonObject().put("name", "prio-lab"),
        ApiClient.bearerOnly(admin))).getString("guid");
    JsonObject byGroup = strategy("by-group", new JsonObject().put("enable-file-transfer", "N"));
    JsonObject byUser = strategy("by-user", new JsonObject().put("enable-clipboard", "N"));
    JsonObject byDevice = strategy("by-device", new JsonObject().put("enable-audio", "N"));
    assertNotEquals(byGroup.getLong("modified_at"), byUser.getLong("modified_at"), "versions never collide");
    try (UdpDevice d = Devices.register(node, "440000001")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      assertTrue(heartbeat(d, 0).isEmpty(), "no strategy, a client without one: nothing to say");
      String guid = deviceGuid(d.id);
      assertEquals(200, api.send("POST", "/api/device-groups/" + group, new JsonArray().add(d.id).encode(),
          ApiClient.bearerOnly(admin)).status());
      assertEquals(200, api.post("/api/devices/" + guid + "/assign", new JsonObject().put("type", "user_name")
          .put("value", "prio-user"), ApiClient.bearerOnly(admin)).status());

      assign(byGroup.getString("guid"), new JsonArray(), new JsonArray(), new JsonArray().add(group));
      Eventually.until(() -> "N".equals(optionOf(d, "enable-file-transfer")), 5000, "the device group's strategy");
      JsonObject answer = heartbeat(d, 0);
      assertEquals(byGroup.getLong("modified_at"), answer.getLong("modified_at"));
      assertEquals(new JsonObject().put("enable-file-transfer", "N"), options(answer));

      assign(byUser.getString("guid"), new JsonArray(), new JsonArray().add(userGuid), new JsonArray());
      Eventually.until(() -> "N".equals(optionOf(d, "enable-clipboard")), 5000, "the user's strategy wins");
      assign(byDevice.getString("guid"), new JsonArray().add(guid), new JsonArray(), new JsonArray());
      Eventually.until(() -> "N".equals(optionOf(d, "enable-audio")), 5000, "the device's own wins");
      long version = heartbeat(d, 0).getLong("modified_at");
      assertEquals(byDevice.getLong("modified_at"), version);
      assertTrue(heartbeat(d, version).isEmpty(), "the client holds this version: nothing more");

      // unassigned at the device: back to the user's; the user's disabled: back to the group's
      assign(null, new JsonArray().add(guid), new JsonArray(), new JsonArray());
      Eventually.until(() -> "N".equals(optionOf(d, "enable-clipboard")), 5000, "the user's again");
      assertEquals(200, statusOf("PUT", "/api/strategies/" + byUser.getString("guid") + "/status", "false"));
      Eventually.until(() -> "N".equals(optionOf(d, "enable-file-transfer")), 5000, "a disabled one counts as none");

      // nothing left: the client's version is reset, and it keeps its options
      assign(null, new JsonArray(), new JsonArray(), new JsonArray().add(group));
      Eventually.until(() -> answerOf(d, byGroup.getLong("modified_at")).containsKey("modified_at"), 5000,
          "unassigned everywhere");
      JsonObject none = heartbeat(d, byGroup.getLong("modified_at"));
      assertEquals(0L, none.getLong("modified_at"));
      assertNull(none.getValue("strategy"));
      assertTrue(heartbeat(d, 0).isEmpty());
    }
  }

  private static int statusOf(String method, String path, String body) throws Exception {
    Answer a = api.send(method, path, body, ApiClient.bearerOnly(admin));
    assertEquals("", a.body());
    return a.status();
  }

  /** The value the heartbeat's strategy gives {@code option} for a client that holds none. */
  static String optionOf(UdpDevice d, String option) {
    JsonObject o = options(answerOf(d, 0));
    return o == null ? null : o.getString(option);
  }

  static JsonObject answerOf(UdpDevice d, long modifiedAt) {
    try {
      return heartbeat(d, modifiedAt);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void changedOptionsAreSentAgainAndDroppedOnesAreSentEmpty() throws Exception {
    JsonObject s = strategy("changing", new JsonObject().put("enable-keyboard", "N").put("allow-remote-config-modification", "Y"));
    try (UdpDevice d = Devices.register(node, "440000002")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      assertEquals("", api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid))
          .put("strategy_name", "CHANGING"), ApiClient.rust(Devices.apiToken(node, "admin", "devices"))).body(),
          "rustdesk --assign --strategy_name: names match whatever their case");
      Eventually.until(() -> "N".equals(optionOf(d, "enable-keyboard")), 5000, "assigned by the client binary");
      long first = heartbeat(d, 0).getLong("modified_at");
      assertTrue(heartbeat(d, first).isEmpty());

      JsonObject changed = ok(api.send("PATCH", "/api/strategies/" + s.getString("guid"), new JsonObject()
          .put("options", new JsonObject().put("enable-keyboard", "Y")).encode(), ApiClient.bearerOnly(admin)));
      assertTrue(changed.getLong("modified_at") > first, "a new version");
      assertEquals(new JsonArray().add("allow-remote-config-modification"), changed.getJsonArray("cleared"));
      JsonObject answer = heartbeat(d, first);
      assertEquals(changed.getLong("modified_at"), answer.getLong("modified_at"));
      // the dropped option is sent empty: the client removes it (or stores it empty where it has a default)
      assertEquals(new JsonObject().put("allow-remote-config-modification", "").put("enable-keyboard", "Y"),
          options(answer));

      // a rename keeps the version: nothing to send again
      ok(api.send("PATCH", "/api/strategies/" + s.getString("guid"), new JsonObject().put("name", "renamed").encode(),
          ApiClient.bearerOnly(admin)));
      assertTrue(heartbeat(d, changed.getLong("modified_at")).isEmpty());

      // deleted: the device has none any more
      assertEquals(200, api.send("DELETE", "/api/strategies/" + s.getString("guid"), null,
          ApiClient.bearerOnly(admin)).status());
      assertEquals(0L, heartbeat(d, changed.getLong("modified_at")).getLong("modified_at"));
      assertEquals(404, api.get("/api/strategies/" + s.getString("guid"), ApiClient.bearerOnly(admin)).status());
    }
  }

  @Test
  void aDeletedUserTakesTheirStrategyAlong() throws Exception {
    Devices.user(node, "leaving-user");
    String userGuid = guidOf("/api/users", "leaving-user");
    JsonObject s = strategy("for-the-leaver", new JsonObject().put("enable-record-session", "N"));
    assign(s.getString("guid"), new JsonArray(), new JsonArray().add(userGuid), new JsonArray());
    try (UdpDevice d = Devices.register(node, "440000003")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      assertEquals(200, api.post("/api/devices/" + deviceGuid(d.id) + "/assign", new JsonObject()
          .put("type", "user_name").put("value", "leaving-user"), ApiClient.bearerOnly(admin)).status());
      Eventually.until(() -> "N".equals(optionOf(d, "enable-record-session")), 5000, "the user's strategy");
      assertEquals(200, api.post("/api/users/" + userGuid + "/disable", new JsonObject(), ApiClient.bearerOnly(admin))
          .status());
      assertEquals(200, api.send("DELETE", "/api/users/" + userGuid, null, ApiClient.bearerOnly(admin)).status());
      Eventually.until(() -> Long.valueOf(0).equals(answerOf(d, s.getLong("modified_at")).getLong("modified_at")), 5000,
          "no strategy once the user is gone, long before the periodic re-read");
    }
  }

  @Test
  void theAdminCallsAnswerAsTheOfficialScriptReadsThem() throws Exception {
    JsonObject s = strategy("scripted", new JsonObject().put("enable-tunnel", "N"));
    JsonArray list = new JsonArray(api.get("/api/strategies", ApiClient.bearerOnly(admin)).body());
    assertTrue(list.stream().anyMatch(o -> "scripted".equals(((JsonObject) o).getString("name"))), list.encode());
    JsonObject one = ok(api.get("/api/strategies/" + s.getString("guid"), ApiClient.bearerOnly(admin)));
    assertEquals(1, one.getInteger("status"));
    assertEquals(new JsonObject().put("enable-tunnel", "N"), one.getJsonObject("options"));
    assertEquals(200, statusOf("PUT", "/api/strategies/" + s.getString("guid") + "/status", "false"));
    assertEquals(0, ok(api.get("/api/strategies/" + s.getString("guid"), ApiClient.bearerOnly(admin)))
        .getInteger("status"));
    assertEquals(200, statusOf("PUT", "/api/strategies/" + s.getString("guid") + "/status", " true\n"));
    assertEquals(409, api.post("/api/strategies", new JsonObject().put("name", "SCRIPTED"),
        ApiClient.bearerOnly(admin)).status(), "names are unique whatever their case");
    assertEquals(404, api.post("/api/strategies/assign", new JsonObject().put("strategy", s.getString("guid"))
        .put("peers", new JsonArray().add("no-such-device")), ApiClient.bearerOnly(admin)).status());
  }

  @Test
  void hostileInputIsRefusedWithFourHundredsAndLoginStillWorks() throws Exception {
    String guid = strategy("hostile-target", new JsonObject()).getString("guid");
    Devices.user(node, "plain-user");
    String plain = Devices.session(node, "plain-user");
    String noScope = Devices.apiToken(node, "admin", "devices");
    String deep = "[".repeat(200) + "]".repeat(200);
    Object[][] cases = {
        {"POST", "/api/strategies", "{", 400},
        {"POST", "/api/strategies", "[]", 400},
        {"POST", "/api/strategies", "{\"name\": 5}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": [1]}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": {\"k\": 1}}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": {\"k\": {\"deep\": \"y\"}}}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": {\"a b\": \"y\"}}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": {\"k\": \"nul\\u0000\"}}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": {\"k\": \"" + "v".repeat(5000) + "\"}}", 400},
        {"POST", "/api/strategies", "{\"name\": \"" + "n".repeat(300) + "\"}", 400},
        {"POST", "/api/strategies", "{\"name\": \"x\", \"options\": " + deep + "}", 400},
        {"POST", "/api/strategies", "{\"name\": \"' or 1=1 --\", \"options\": {\"';drop-table-strategies;--\": \"x\"}}", 200},
        {"PATCH", "/api/strategies/" + guid, "{\"options\": \"x\"}", 400},
        {"PATCH", "/api/strategies/%27%20or%201%3D1", "{\"name\": \"y\"}", 404},
        {"PUT", "/api/strategies/" + guid + "/status", "1", 400},
        {"PUT", "/api/strategies/" + guid + "/status", "", 400},
        {"PUT", "/api/strategies/" + guid + "/status", "{\"status\": true}", 400},
        {"POST", "/api/strategies/assign", "{\"strategy\": 7}", 400},
        {"POST", "/api/strategies/assign", "{\"peers\": \"x\"}", 400},
        {"POST", "/api/strategies/assign", "{\"peers\": [1, 2]}", 400},
        {"POST", "/api/strategies/assign", "{\"users\": [\"%\"], \"strategy\": \"" + guid + "\"}", 404},
        {"DELETE", "/api/strategies/%25", null, 404},
    };
    for (Object[] c : cases) {
      Answer a = api.send((String) c[0], (String) c[1], (String) c[2], ApiClient.bearerOnly(admin));
      assertEquals(c[3], a.status(), c[0] + " " + c[1] + " " + c[2] + ": " + a.body());
      if (a.status() != 200) {
        assertFalse(a.error() == null || a.error().isEmpty(), a.body());
      }
    }
    Answer big = api.send("POST", "/api/strategies", "{\"name\": \"x\", \"note\": \"" + "x".repeat(100_000) + "\"}",
        ApiClient.bearerOnly(admin));
    assertEquals(413, big.status(), "over maxBodyBytes");
    for (String token : new String[] {plain, noScope, "forged-token", ""}) {
      int status = api.get("/api/strategies", ApiClient.bearerOnly(token)).status();
      assertTrue(status == 401 || status == 403, token + ": " + status);
      assertTrue(api.post("/api/strategies", new JsonObject().put("name", "sneaky"), ApiClient.bearerOnly(token))
          .status() >= 401);
    }
    String password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
    assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status(),
        "login still works");
  }
}
