package dev.vertdesk.admin;

import dev.vertdesk.testing.AdminHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness follows store writes, not just a {@code SELECT 1}: the database file is replaced by a
 * directory while the node runs (writes fail; devices get SERVER_ERROR, never OK), then put back.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StoreReadinessTest {

  @TempDir
  Path dataDir;

  @Test
  void notReadyWhileStoreWritesFailAndReadyAgainWhenTheyWork() throws Exception {
    JsonObject conf = new JsonObject().put("db", new JsonObject().put("probeIntervalSeconds", 1));
    try (TestNode node = TestNode.start(dataDir, conf)) {
      AdminHttp admin = new AdminHttp(node.port("admin"), dataDir);
      int udp = node.port("udp");
      assertEquals(200, admin.send("GET", "/health/ready", null, null).status());

      Path db = dataDir.resolve("db_v2.sqlite3");
      Path aside = dataDir.resolve("elsewhere.sqlite3");
      Files.move(db, aside);
      Files.createDirectory(db);
      try (UdpDevice device = new UdpDevice("device1", new byte[] {1}, new byte[32], udp)) {
        assertEquals(RegisterPkResponse.Result.SERVER_ERROR, device.registerPk(), "no OK for a row not written");
      }
      AdminHttp.Reply down = waitForStatus(admin, 503);
      JsonObject store = down.json().getJsonObject("checks").getJsonObject("store");
      // the answer names the failing check; the cause (the file removed or replaced) goes to the log
      assertEquals(false, store.getBoolean("ok"), store.encode());
      assertEquals("the peer store did not answer its check", store.getString("error"), store.encode());
      assertEquals(200, admin.send("GET", "/health/live", null, null).status());

      Files.delete(db);
      Files.move(aside, db);
      waitForStatus(admin, 200);
      try (UdpDevice device = new UdpDevice("device1", new byte[] {1}, new byte[32], udp)) {
        assertEquals(RegisterPkResponse.Result.OK, device.registerPk(), "the retry writes the row");
      }
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
           ResultSet rs = c.createStatement().executeQuery("select count(*) from peer where id = 'device1'")) {
        assertEquals(1, rs.getInt(1));
      }
    }
  }

  private static AdminHttp.Reply waitForStatus(AdminHttp admin, int status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      AdminHttp.Reply r = admin.send("GET", "/health/ready", null, null);
      if (r.status() == status) {
        return r;
      }
      assertTrue(System.nanoTime() < deadline, "readiness stayed " + r.status() + ": " + r.body());
      Thread.sleep(100);
    }
  }
}
