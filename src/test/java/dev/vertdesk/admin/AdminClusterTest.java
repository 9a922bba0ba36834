package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.relay.RelayControl;
import dev.vertdesk.testing.AdminHttp;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes, each with its own data directory: a change made through one node's admin
 * port applies on both, reads list both, and the event stream carries the other node's events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminClusterTest {

  Path dir1;
  Path dir2;
  TestNode node1;
  TestNode node2;
  AdminHttp admin1;
  AdminHttp admin2;

  @BeforeAll
  void startCluster(@TempDir Path root) throws Exception {
    dir1 = Files.createDirectories(root.resolve("node1"));
    dir2 = Files.createDirectories(root.resolve("node2"));
    String name = "vertdesk-admin-test-" + UUID.randomUUID();
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    node1 = TestNode.startClustered(dir1, new JsonObject(), name, hazelcastPort);
    node2 = TestNode.startClustered(dir2, new JsonObject(), name, hazelcastPort);
    admin1 = new AdminHttp(node1.port("admin"), dir1);
    admin2 = new AdminHttp(node2.port("admin"), dir2);
    // both nodes' command consumers are known cluster-wide before the first broadcast
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (admin1.get("/api/status").json().getJsonArray("nodes").size() < 2 && System.nanoTime() < end) {
      Thread.sleep(100);
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (TestNode n : new TestNode[] {node2, node1}) {
      if (n != null) {
        n.close();
      }
    }
  }

  @Test
  void changesThroughOneNodeApplyOnEvery() throws Exception {
    JsonObject status = admin1.get("/api/status").json();
    assertFalse(status.getBoolean("partial"), status.encode());
    assertEquals(2, status.getJsonArray("nodes").size());
    assertEquals(node1.core().nodeId(), status.getJsonArray("nodes").getJsonObject(0).getString("node"), "this node first");
    assertEquals(2, status.getJsonArray("nodes").getJsonObject(1).getJsonObject("result").getInteger("members"));

    AdminHttp.Reply aur = admin1.put("/api/always-use-relay", new JsonObject().put("value", true));
    assertEquals(2, aur.json().getJsonArray("nodes").size(), aur.body());
    assertTrue(node1.rendezvous().alwaysUseRelay().get());
    assertTrue(node2.rendezvous().alwaysUseRelay().get(), "applied on the other node too");

    admin2.put("/api/relay-servers", new JsonObject().put("servers", new JsonArray().add("r.example.org")));
    assertEquals(List.of("r.example.org"), node1.rendezvous().relays().configured());

    admin1.put("/api/relay/limits", new JsonObject().put("totalBandwidth", 256));
    assertEquals(256.0, node2.relay().control().policy().totalMbps());

    AdminHttp.Reply add = admin2.post("/api/relay/blocklist", new JsonObject().put("ips", new JsonArray().add("198.51.100.9")));
    assertEquals(2, add.json().getJsonArray("nodes").size(), add.body());
    assertTrue(Files.readString(dir1.resolve("blocklist.txt")).contains("198.51.100.9"), "node 1's file");
    assertTrue(Files.readString(dir2.resolve("blocklist.txt")).contains("198.51.100.9"), "node 2's file");
    assertEquals(1, node1.relay().control().blocklistSize());
  }

  @Test
  void liftingAnIpLimitLiftsTheClusterWideCountToo() throws Exception {
    String crowded = "127.0.2." + (1 + (int) (Math.random() * 250));
    // node 1 counts the address up to the limit; node 2 has seen nothing of it, yet refuses it,
    // because the per-IP count is shared
    Result last = Result.OK;
    for (int i = 0; i < 40 && last == Result.OK; i++) {
      last = registerPk(node1, crowded);
    }
    assertEquals(Result.TOO_FREQUENT, last, "node 1 reached the per-IP limit");
    assertEquals(Result.TOO_FREQUENT, registerPk(node2, crowded), "the limit holds on node 2 as well");

    JsonObject lifted = admin1.delete("/api/ip-blocker/" + crowded).json();
    assertFalse(lifted.getBoolean("partial"), lifted.encode());
    assertEquals(Result.OK, registerPk(node2, crowded), "lifted on node 2");
    assertEquals(Result.OK, registerPk(node1, crowded), "lifted on node 1");
  }

  private static Result registerPk(TestNode node, String ip) throws Exception {
    String id = "8" + (100_000_000 + (int) (Math.random() * 800_000_000));
    try (UdpDevice d = new UdpDevice(id, ("uuid-" + id).getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), ip)) {
      return d.registerPk();
    }
  }

  @Test
  void theEventStreamAndHealthCoverTheCluster() throws Exception {
    BlockingQueue<JsonObject> events = AdminSurfaceTest.stream(admin1, "type=peer.registered");
    try (UdpDevice d = new UdpDevice("777000111", "u-777".getBytes(), Nacl.signKeyPair().publicKey(),
        node2.port("udp"), "127.0.3.1")) {
      assertEquals(Result.OK, d.registerPk());
    }
    // other tests of this class register devices too: wait for this one's event
    JsonObject e;
    long eventDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      e = events.poll(100, TimeUnit.MILLISECONDS);
    } while ((e == null || !"777000111".equals(e.getString("id"))) && System.nanoTime() < eventDeadline);
    assertNotNull(e, "node 2's registration reaches node 1's stream");
    assertEquals("777000111", e.getString("id"));
    assertEquals(node2.core().nodeId(), e.getString("node"));

    // right after a member joins, Hazelcast migrates partitions: not ready until they are safe
    AdminHttp.Reply ready = admin1.send("GET", "/health/ready", null, null);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ready.status() != 200 && System.nanoTime() < end) {
      assertTrue(ready.json().getJsonObject("checks").getJsonObject("cluster").containsKey("partitionsSafe"), ready.body());
      Thread.sleep(200);
      ready = admin1.send("GET", "/health/ready", null, null);
    }
    assertEquals(200, ready.status(), ready.body());
    JsonObject cluster = ready.json().getJsonObject("checks").getJsonObject("cluster");
    assertTrue(cluster.getBoolean("clustered"));
    assertEquals(2, cluster.getInteger("members"));
    assertTrue(cluster.getBoolean("partitionsSafe"), cluster.encode());
  }
}
