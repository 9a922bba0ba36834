package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vertdesk.access.AccessControl;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.Eventually;
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
 * Two clustered nodes on one PostgreSQL database: what an admin changes through one node reaches
 * the other at once, over the event bus, long before its periodic re-read: a device's strategy in
 * the heartbeats it answers, the access rules its signaling enforces, and the sessions to end.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiControlClusterTest {

  @TempDir
  Path root;

  @Test
  void strategiesAccessRulesAndDisconnectsReachTheOtherNode() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-control-" + UUID.randomUUID();
    JsonObject conf = new JsonObject()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    Path dir2 = Files.createDirectories(root.resolve("node2"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      try (TestNode node2 = TestNode.startClustered(dir2, conf, cluster, hazelcastPort)) {
        ApiClient api1 = new ApiClient(node1.port("api"));
        ApiClient api2 = new ApiClient(node2.port("api"));
        String admin = Devices.apiToken(node1, "admin", "devices,groups,users,strategies");
        try (UdpDevice d = ApiAccessControlTest.device(api1, node1, "470000001")) {
          String guid = api1.get("/api/devices?id=" + d.id, ApiClient.bearerOnly(admin)).json().getJsonArray("data")
              .getJsonObject(0).getString("guid");
          // node 2 holds the device in memory, without a strategy
          JsonObject first = api2.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).json();
          assertNull(first.getValue("strategy"), first.encode());

          // strategies: assigned and changed on node 1, delivered by node 2
          JsonObject s = api1.post("/api/strategies", new JsonObject().put("name", "cluster-wide")
              .put("options", new JsonObject().put("enable-file-transfer", "N")), ApiClient.bearerOnly(admin)).json();
          assertEquals("", api1.post("/api/strategies/assign", new JsonObject().put("strategy", s.getString("guid"))
              .put("peers", new JsonArray().add(guid)), ApiClient.bearerOnly(admin)).body());
          Eventually.until(() -> s.getLong("modified_at").equals(version(api2, d)), 3000,
              "node 2 forgot what the device was assigned");
          JsonObject changed = api1.send("PATCH", "/api/strategies/" + s.getString("guid"), new JsonObject()
              .put("options", new JsonObject().put("enable-file-transfer", "Y")).encode(),
              ApiClient.bearerOnly(admin)).json();
          Eventually.until(() -> changed.getLong("modified_at").equals(version(api2, d)), 3000,
              "node 2 read the strategies again");

          // access rules: set on node 1, enforced by node 2's signaling
          String bob = ApiAccessControlTest.member(api1, admin, node1, "cluster-bob", "cluster-sales");
          assertEquals(200, api1.post("/api/user-groups", new JsonObject().put("name", "cluster-ops"),
              ApiClient.bearerOnly(admin)).status());
          String servers = api1.post("/api/device-groups", new JsonObject().put("name", "cluster-servers"),
              ApiClient.bearerOnly(admin)).json().getString("guid");
          assertEquals(200, api1.send("POST", "/api/device-groups/" + servers, new JsonArray().add(d.id).encode(),
              ApiClient.bearerOnly(admin)).status());
          assertNull(ApiAccessControlTest.punch(node2, d.id, bob), "no rule yet: bob gets through");
          assertEquals(200, api1.send("PATCH", "/api/device-groups/" + servers, new JsonObject().put("allowed_incomings",
              ApiAccessControlTest.rules(0, "cluster-ops")).encode(), ApiClient.bearerOnly(admin)).status());
          Eventually.until(() -> AccessControl.REFUSED.equals(ApiAccessControlTest.quietPunch(node2, d.id, bob)), 3000,
              "refused on node 2");
          assertEquals(AccessControl.REFUSED, ApiAccessControlTest.relay(node2, d.id, bob, "cluster-uuid"));

          // disconnect: asked on node 1, told by node 2
          assertEquals(200, api1.send("POST", "/api/devices/" + guid + "/disconnect", "{\"conns\": [3]}",
              ApiClient.bearerOnly(admin)).status());
          Eventually.until(() -> disconnected(api2, d) != null, 3000, "node 2 holds the request");
        }
      }
    }
  }

  /** The strategy version node {@code api}'s heartbeat answer gives a client that holds none. */
  private static Long version(ApiClient api, UdpDevice d) {
    try {
      return api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid), ApiClient.rust()).json().getLong("modified_at");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static int[] disconnected(ApiClient api, UdpDevice d) {
    try {
      JsonArray a = api.post("/api/heartbeat", Devices.heartbeat(d.id, d.uuid).put("conns", new JsonArray().add(3)),
          ApiClient.rust()).json().getJsonArray("disconnect");
      if (a != null) {
        assertArrayEquals(new int[] {3}, a.stream().mapToInt(o -> (Integer) o).toArray());
      }
      return a == null ? null : new int[] {3};
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
