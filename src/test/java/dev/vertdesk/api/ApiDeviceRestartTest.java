package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What heartbeats left in memory is written when the node stops, and read back after a restart. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiDeviceRestartTest {

  @TempDir
  Path dataDir;

  @Test
  void theLastHeartbeatSurvivesARestartThatCameBeforeTheWriteBehind() throws Exception {
    // an interval far beyond the test: only the write at stop can bring the heartbeat in
    JsonObject conf = new JsonObject().put("devices", new JsonObject().put("writeBehindSeconds", 3600));
    long heartbeatAt;
    String id = "320000001";
    try (TestNode node = TestNode.start(dataDir, conf)) {
      ApiClient api = new ApiClient(node.port("api"));
      try (UdpDevice d = Devices.register(node, id)) {
        assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(id, d.uuid), ApiClient.rust()).body());
        long uploadedAt = System.currentTimeMillis();
        Eventually.until(() -> System.currentTimeMillis() > uploadedAt + 5, 1000, "the clock moved");
        heartbeatAt = System.currentTimeMillis();
        assertEquals("{}", api.post("/api/heartbeat", Devices.heartbeat(id, d.uuid)
            .put("conns", new JsonArray().add(5)), ApiClient.rust()).body());
      }
    }
    try (TestNode node = TestNode.start(dataDir, conf)) {
      JsonObject row = Devices.api(node).db().first("select last_seen_at, conns from devices where id = ?",
          r -> r.toJson(), id).await(10, TimeUnit.SECONDS);
      assertTrue(row.getLong("last_seen_at") >= heartbeatAt, "the heartbeat's time was written at stop: " + row);
      assertEquals("[5]", row.getString("conns"));

      String admin = Devices.session(node, "admin");
      JsonObject item = new ApiClient(node.port("api")).get("/api/devices?id=" + id, ApiClient.bearerOnly(admin))
          .json().getJsonArray("data").getJsonObject(0);
      assertTrue(Instant.parse(item.getString("last_online")).toEpochMilli() >= heartbeatAt, item.encode());
      assertEquals(new JsonArray().add(5), item.getJsonArray("conns"));
    }
  }
}
