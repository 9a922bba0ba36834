package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the client binary sends with an admin's API token (rustdesk/rustdesk: src/ui_interface.rs
 * {@code deploy_device}, src/core_main.rs {@code --assign}): R1 requests with
 * {@code Authorization: Bearer}; deploy is read by its {@code result} alone, assign by its body
 * (empty prints "Done!").
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiDeployTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
    token = Devices.apiToken(node, "admin", "devices");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject deployBody(String id, byte[] uid, byte[] pk) {
    return new JsonObject().put("id", id).put("uuid", Devices.uuid(uid))
        .put("pk", Base64.getEncoder().encodeToString(pk));
  }

  static JsonObject row(String id) throws Exception {
    return Devices.api(node).db().first("select * from devices where id = ?", r -> r.toJson(), id)
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void aDeviceIsDeployedWithAnApiToken() throws Exception {
    byte[] uid = Devices.machineUid("420000001");
    byte[] pk = Nacl.signKeyPair().publicKey();
    Answer a = api.post("/api/devices/deploy", deployBody("420000001", uid, pk), ApiClient.rust(token));
    assertEquals("OK", a.json().getString("result"), a.body());
    JsonObject row = row("420000001");
    assertEquals(1, row.getInteger("deployed"));
    assertTrue(row.getLong("deployed_at") > 0);
    assertEquals(Base64.getEncoder().encodeToString(pk), row.getString("deployed_pk"));
    assertEquals(Devices.uuid(uid), row.getString("uuid"));
    // deployed again (a new key after a reinstall): still OK
    assertEquals("OK", api.post("/api/devices/deploy", deployBody("420000001", uid, Nacl.signKeyPair().publicKey()),
        ApiClient.rust(token)).json().getString("result"));

    // the device then registers as usual, and its uploads find it
    try (UdpDevice d = new UdpDevice("420000001", uid, pk, node.port("udp"))) {
      assertEquals(dev.vertdesk.proto.RegisterPkResponse.Result.OK, d.registerPk());
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, uid), ApiClient.rust()).body());
    }
  }

  @Test
  void badInputAndAnIdOfAnotherMachineAreAnsweredAsTheClientReadsThem() throws Exception {
    byte[] uid = Devices.machineUid("420000002");
    byte[] pk = Nacl.signKeyPair().publicKey();
    List<JsonObject> invalid = List.of(
        deployBody("420000002", uid, pk).put("pk", "not base64!"),
        deployBody("420000002", uid, new byte[31]),
        deployBody("420000002", uid, new byte[32]), // a point of small order, no device key
        deployBody("420000002", uid, pk).put("uuid", ""),
        deployBody("short", uid, pk),
        deployBody("has space", uid, pk),
        deployBody("420000002", uid, pk).put("id", 420000002),
        new JsonObject());
    for (JsonObject body : invalid) {
      Answer a = api.post("/api/devices/deploy", body, ApiClient.rust(token));
      assertEquals("INVALID_INPUT", a.json().getString("result"), body.encode());
      assertEquals(400, a.status());
      assertNotNull(a.error());
    }
    assertNull(row("420000002"), "nothing recorded");

    try (UdpDevice other = Devices.register(node, "420000003")) {
      Answer taken = api.post("/api/devices/deploy", deployBody(other.id, uid, pk), ApiClient.rust(token));
      assertEquals("ID_TAKEN", taken.json().getString("result"));
      assertEquals(409, taken.status());
      // the machine that holds it may
      assertEquals("OK", api.post("/api/devices/deploy", deployBody(other.id, other.uuid, other.pk),
          ApiClient.rust(token)).json().getString("result"));
    }
  }

  @Test
  void aDisabledDeviceIsNotDeployed() throws Exception {
    try (UdpDevice d = Devices.register(node, "420000004")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      String guid = row(d.id).getString("guid");
      assertEquals(200, api.send("POST", "/api/devices/" + guid + "/disable", null, ApiClient.bearerOnly(token)).status());
      Answer a = api.post("/api/devices/deploy", deployBody(d.id, d.uuid, d.pk), ApiClient.rust(token));
      assertEquals(409, a.status());
      assertTrue(a.error().contains("disabled"), "shown to the operator as it comes: " + a.body());
      assertEquals(0, row(d.id).getInteger("deployed"));
    }
  }

  @Test
  void assignFromTheDeviceItself() throws Exception {
    Devices.user(node, "carol");
    try (UdpDevice d = Devices.register(node, "420000005")) {
      JsonObject body = new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid)).put("user_name", "carol")
          .put("note", "reception").put("device_username", "front").put("device_name", "Desk 2");
      Answer done = api.post("/api/devices/cli", body, ApiClient.rust(token));
      assertEquals(200, done.status(), done.body());
      assertEquals("", done.body(), "the client prints Done!");
      JsonObject row = row(d.id);
      assertEquals("reception", row.getString("note"));
      assertEquals("Desk 2", row.getString("device_name"));
      assertEquals("front", row.getString("device_username"));
      assertEquals(Devices.api(node).accounts().users().byName("carol").await(10, TimeUnit.SECONDS).guid(),
          row.getString("user_guid"));

      Answer later = api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid))
          .put("strategy_name", "default"), ApiClient.rust(token));
      assertEquals(404, later.status());
      assertTrue(later.error().contains("no strategy named default"), later.body());
      Answer ab = api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid))
          .put("address_book_name", "shared").put("address_book_tag", "x"), ApiClient.rust(token));
      assertEquals(404, ab.status(), "no shared address book of that name (ApiAddressBookDevicesTest)");
      Answer nothing = api.post("/api/devices/cli", new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid)),
          ApiClient.rust(token));
      assertEquals(400, nothing.status());
      Answer wrongMachine = api.post("/api/devices/cli", new JsonObject().put("id", d.id)
          .put("uuid", Devices.uuid(Devices.machineUid("elsewhere"))).put("note", "x"), ApiClient.rust(token));
      assertEquals(404, wrongMachine.status());
      assertEquals("reception", row(d.id).getString("note"), "unchanged");
      Answer unknown = api.post("/api/devices/cli", new JsonObject().put("id", "420999999")
          .put("uuid", Devices.uuid(d.uuid)).put("note", "x"), ApiClient.rust(token));
      assertEquals(404, unknown.status());
    }
  }

  @Test
  void onlyAnApiTokenWithTheDevicesScopeDeploysOrAssigns() throws Exception {
    Devices.user(node, "dave");
    String adminSession = Devices.session(node, "admin");
    String daveSession = Devices.session(node, "dave");
    String auditOnly = Devices.apiToken(node, "admin", "audit");
    byte[] uid = Devices.machineUid("420000006");
    JsonObject deploy = deployBody("420000006", uid, Nacl.signKeyPair().publicKey());
    JsonObject assign = new JsonObject().put("id", "420000006").put("uuid", Devices.uuid(uid)).put("note", "x");
    for (String t : new String[] {adminSession, daveSession, auditOnly}) {
      for (String[] call : new String[][] {{"/api/devices/deploy", deploy.encode()}, {"/api/devices/cli", assign.encode()}}) {
        Answer a = api.send("POST", call[0], call[1], ApiClient.rust(t));
        assertEquals(403, a.status(), call[0] + ": " + a.body());
        assertNotNull(a.error());
      }
    }
    assertEquals(401, api.post("/api/devices/deploy", deploy, ApiClient.rust()).status());
    assertEquals(401, api.post("/api/devices/cli", assign, ApiClient.rust("forged")).status());
    assertNull(row("420000006"));
  }
}
