package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two API nodes over one PostgreSQL database: a record retried through the other node is stored
 * once (its nonce is in the shared database), the posts of one connection merge whichever node
 * they reach, and a connection the server saw, heard by both nodes, is recorded once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiAuditClusterTest {

  @TempDir
  Path root;

  @Test
  void aNonceIsKeptClusterWideAndServerSessionsAreRecordedOnce() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-audit-" + UUID.randomUUID();
    JsonObject conf = new JsonObject()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())))
        .put("audit", new JsonObject().put("linkWindowSeconds", 1));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    Path dir2 = Files.createDirectories(root.resolve("node2"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      try (TestNode node2 = TestNode.startClustered(dir2, conf, cluster, hazelcastPort)) {
        ApiClient api1 = new ApiClient(node1.port("api"));
        ApiClient api2 = new ApiClient(node2.port("api"));
        String token = Devices.apiToken(node1, "admin", "audit");
        String id = "610000001";
        String nonce = UUID.randomUUID().toString();
        String opened = ApiAuditPostsTest.withSession(new JsonObject().put("id", id).put("uuid", "dXVpZA==")
            .put("conn_id", 5).put("nonce", nonce).put("action", "new").put("ip", "198.51.100.20"),
            ApiAuditPostsTest.MAX_U64);
        for (ApiClient api : new ApiClient[] {api1, api2, api1}) {
          Answer a = api.send("POST", "/api/audit/conn", opened, ApiClient.rust());
          assertEquals(200, a.status(), a.body());
          assertEquals("", a.body());
        }
        String authorised = ApiAuditPostsTest.withSession(new JsonObject().put("id", id).put("uuid", "dXVpZA==")
            .put("conn_id", 5).put("nonce", UUID.randomUUID().toString())
            .put("peer", new JsonArray().add("620000009").add("Eve")).put("type", 0), ApiAuditPostsTest.MAX_U64);
        assertEquals(200, api2.send("POST", "/api/audit/conn", authorised, ApiClient.rust()).status());
        JsonObject alarm = new JsonObject().put("id", id).put("typ", 1).put("info", "{}").put("conn_id", 5)
            .put("nonce", UUID.randomUUID().toString());
        assertEquals(200, api1.post("/api/audit/alarm", alarm, ApiClient.rust()).status());
        assertEquals(200, api2.post("/api/audit/alarm", alarm, ApiClient.rust()).status());

        JsonObject page = api2.get("/api/audits/conn?device=" + id, ApiClient.bearerOnly(token)).json();
        assertEquals(1, page.getLong("total"), page.encode());
        JsonObject item = page.getJsonArray("data").getJsonObject(0);
        assertEquals("198.51.100.20", item.getString("ip"));
        assertEquals("620000009", item.getString("peer_id"));
        assertEquals(ApiAuditPostsTest.MAX_U64, item.getValue("session_id").toString());
        assertEquals(1, api1.get("/api/audits/alarm?device=" + id, ApiClient.bearerOnly(token)).json()
            .getLong("total"));

        // both API nodes hear node 1's punch event: one record
        try (UdpDevice b = Devices.register(node1, "630000001");
             TcpClient a = new TcpClient(node1.port("signaling"))) {
          a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(b.id)
              .setLicenceKey(node1.core().keys().validationKey().orElseThrow())).build());
          assertNotNull(b.receive(), "the device is signalled");
        }
        Eventually.until(() -> total(api2, token, "630000001") >= 1, 15_000, "the punch recorded");
        // past another settling round of both nodes: still one
        Eventually.until(() -> Devices.api(node1).audit().sessions().queued() == 0
            && Devices.api(node2).audit().sessions().queued() == 0, 5000, "both nodes wrote what they heard");
        assertEquals(1, total(api1, token, "630000001"));
      }
    }
  }

  static long total(ApiClient api, String token, String device) {
    try {
      return api.get("/api/audits/conn?device=" + device, ApiClient.bearerOnly(token)).json().getLong("total");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
