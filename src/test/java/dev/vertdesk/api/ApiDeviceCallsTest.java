package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.db.Database;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls a device makes by itself (CLIENT-API §1.1, §1.2 in the client's own terms:
 * rustdesk/rustdesk src/hbbs_http/sync.rs): {@code POST /api/heartbeat} and
 * {@code POST /api/sysinfo} exactly as the client's Rust HTTP stack sends them, against a node
 * that registered the device over UDP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiDeviceCallsTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("devices", new JsonObject().put("writeBehindSeconds", 1)));
    api = new ApiClient(node.port("api"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static Database db() {
    return Devices.api(node).db();
  }

  static JsonObject row(String id) throws Exception {
    return db().first("select * from devices where id = ?", r -> r.toJson(), id).await(10, TimeUnit.SECONDS);
  }

  /** The headers each HTTP stack of the client may put on these calls, and what a proxy may make of them. */
  static List<Map<String, String>> headerVariants() {
    return List.of(ApiClient.rust(), Map.of("Content-Type", "application/json; charset=utf-8"),
        Map.of("Content-Type", "application/json;charset=UTF-8"), Map.of(), Map.of("Content-Type", "text/plain"));
  }

  @Test
  void sysinfoIsStoredOnceAskedForAndNotAskedForAgain() throws Exception {
    try (UdpDevice d = Devices.register(node, "310000001")) {
      // registered, but nothing known of it yet: the heartbeat asks for the upload
      Answer first = api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust());
      assertEquals(200, first.status(), first.body());
      assertEquals(new JsonObject().put("sysinfo", true), first.json());

      JsonObject info = Devices.sysinfo(d.id, d.uuid).put("preset-user-name", "alice")
          .put("preset-device-group-name", "lab").put("preset-note", "front desk");
      Answer uploaded = api.post("/api/sysinfo", info, ApiClient.rust());
      assertEquals(200, uploaded.status());
      assertEquals("SYSINFO_UPDATED", uploaded.body(), "compared literally by the client");
      assertTrue(uploaded.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));

      JsonObject row = row(d.id);
      assertEquals("host-310000001", row.getString("hostname"));
      assertEquals("linux / Debian GNU/Linux 12", row.getString("os"));
      assertEquals("AMD EPYC 7B13, 2.45GHz, 2/2 cores", row.getString("cpu"));
      assertEquals("23.43GB", row.getString("memory"));
      assertEquals("alice", row.getString("username"));
      assertEquals("1.4.9", row.getString("version"));
      assertEquals(Devices.uuid(d.uuid), row.getString("uuid"));
      assertEquals(new JsonObject().put("preset-user-name", "alice").put("preset-device-group-name", "lab")
          .put("preset-note", "front desk"), new JsonObject(row.getString("presets")));

      // a client asked on every heartbeat would upload every 3 s: it is not asked again
      for (int i = 0; i < 20; i++) {
        Answer beat = api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust());
        assertEquals(200, beat.status());
        assertEquals("{}", beat.body(), "heartbeat " + i);
      }

      // every client start uploads again, identical or not
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", info, ApiClient.rust()).body());
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", info.copy().put("hostname", "renamed"),
          ApiClient.rust()).body());
      assertEquals("renamed", row(d.id).getString("hostname"));
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).body());
    }
  }

  @Test
  void everyHeaderVariantAndBodyShapeOfTheClientIsAnswered() throws Exception {
    try (UdpDevice d = Devices.register(node, "310000002")) {
      for (Map<String, String> headers : headerVariants()) {
        Answer up = api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), headers);
        assertEquals("SYSINFO_UPDATED", up.body(), headers.toString());
        // with live connections, a strategy timestamp beyond 32 bits, and without either
        for (JsonObject body : List.of(Devices.heartbeat(d.id, d.uuid),
            Devices.heartbeat(d.id, d.uuid).put("conns", new JsonArray().add(3).add(-2147483648)),
            Devices.heartbeat(d.id, d.uuid).put("modified_at", 1_765_000_000_123L),
            new JsonObject().put("id", d.id).put("uuid", Devices.uuid(d.uuid)))) {
          Answer beat = api.post("/api/heartbeat", body, headers);
          assertEquals(200, beat.status(), headers + " " + body + ": " + beat.body());
          // a client holding the version of a strategy the device does not have is told it has none
          assertEquals(body.getLong("modified_at", 0L) == 0 ? "{}" : "{\"modified_at\":0}", beat.body());
          assertTrue(beat.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        }
      }
      // an unpadded uuid decodes to the same bytes
      String unpadded = Devices.uuid(d.uuid).replace("=", "");
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid).put("uuid", unpadded),
          ApiClient.rust()).body());
    }
  }

  @Test
  void aDeviceTheRendezvousServerDoesNotKnowIsNotFound() throws Exception {
    byte[] uid = Devices.machineUid("310000003");
    Answer sysinfo = api.post("/api/sysinfo", Devices.sysinfo("310000003", uid), ApiClient.rust());
    assertEquals(200, sysinfo.status());
    assertEquals("ID_NOT_FOUND", sysinfo.body(), "the client tries again on its next tick");
    // nothing to ask: asking for sysinfo would only earn another ID_NOT_FOUND
    assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat("310000003", uid), ApiClient.rust()).body());
    assertEquals(null, row("310000003"));

    try (UdpDevice d = Devices.register(node, "310000004")) {
      byte[] someoneElse = Devices.machineUid("another machine");
      assertEquals("ID_NOT_FOUND", api.post("/api/sysinfo", Devices.sysinfo(d.id, someoneElse), ApiClient.rust()).body());
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, someoneElse), ApiClient.rust()).body());
      assertEquals(null, row(d.id), "nothing stored for another machine's uuid");
      // the device itself is unaffected
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, someoneElse), ApiClient.rust()).body());
      assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).body());
    }
  }

  @Test
  void lastSeenAndConnectionsReachTheDatabaseWithinTheWriteBehindInterval() throws Exception {
    try (UdpDevice d = Devices.register(node, "310000005")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      long uploadedAt = row(d.id).getLong("last_seen_at");
      // a later heartbeat, with two live connections
      Eventually.until(() -> System.currentTimeMillis() > uploadedAt, 1000, "the clock moved");
      long before = System.currentTimeMillis();
      api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid).put("conns", new JsonArray().add(7).add(8)),
          ApiClient.rust());
      Eventually.until(() -> {
        JsonObject r = rowQuietly(d.id);
        return r.getLong("last_seen_at") >= before && "[7,8]".equals(r.getString("conns"));
      }, 5000, "written behind within the interval (1 s)");

      api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust());
      Eventually.until(() -> "".equals(rowQuietly(d.id).getString("conns")), 5000, "the connections ended");
    }
  }

  private static JsonObject rowQuietly(String id) {
    try {
      return row(id);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
