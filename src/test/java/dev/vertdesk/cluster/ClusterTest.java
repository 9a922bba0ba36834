package dev.vertdesk.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.node.NodeRequests;
import dev.vertdesk.proto.IdPk;
import dev.vertdesk.proto.LocalAddr;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.OnlineRequest;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleSent;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three clustered nodes in one JVM run docs/protocol.md §11 walk-throughs (b), (c) and (d) across
 * nodes: device B registers over UDP on node 1, A asks on node 2, B answers on node 3; the
 * relay is brokered on node 2 and relays on node 3 in brokered-only mode. As in a real
 * deployment, each node has a data directory of its own holding the same key pair, and all
 * share one PostgreSQL database (a real server on loopback, {@link EmbeddedPg}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterTest {

  /** RegisterPk per ID within 6 s, cluster-wide (hbbs: 3); room for a device that moves twice. */
  static final int ID_LIMIT = 5;

  TestNode node1;
  TestNode node2;
  TestNode node3;
  String key;
  Path root;
  JsonObject conf;
  String clusterName;
  int hazelcastPort;

  @BeforeAll
  void startCluster(@TempDir Path root) throws Exception {
    this.root = root;
    Path dataDir = nodeDir("node1");
    String name = "vertdesk-test-" + UUID.randomUUID();
    clusterName = name;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    conf = new JsonObject().put("relayServers", "relay.example.org:21117")
        .put("limits", new JsonObject().put("idMaxPerWindow", ID_LIMIT))
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())))
        .put("verticles", new JsonObject()
            .put("relay", new JsonObject().put("config", new JsonObject().put("brokeredOnly", true))));
    node1 = TestNode.startClustered(dataDir, conf, name, hazelcastPort);
    node2 = TestNode.startClustered(nodeDir("node2"), conf, name, hazelcastPort);
    node3 = TestNode.startClustered(nodeDir("node3"), conf, name, hazelcastPort);
    assertEquals(3, node3.core().cluster().members().size(), "three members");
    key = node1.core().keys().validationKey().orElseThrow();
  }

  /** A node's own data directory, with node 1's key pair once node 1 has made it. */
  private Path nodeDir(String name) throws IOException {
    Path dir = java.nio.file.Files.createDirectories(root.resolve(name));
    Path first = root.resolve("node1");
    for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
      if (!dir.equals(first) && java.nio.file.Files.exists(first.resolve(f))) {
        java.nio.file.Files.copy(first.resolve(f), dir.resolve(f));
      }
    }
    return dir;
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (TestNode n : new TestNode[] {node3, node2, node1}) {
      if (n != null) {
        n.close();
      }
    }
  }

  private UdpDevice registerOn(TestNode node, String id, String ip) throws Exception {
    UdpDevice b = new UdpDevice(id, ("uuid-" + id).getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), ip);
    assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    return b;
  }

  private RendezvousMessage punchRequest(String id) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(key).setVersion("1.4.2")).build();
  }

  private byte[] verifiedPk(ByteString signed, String expectedId) throws Exception {
    byte[] msg = Nacl.openSigned(signed.toByteArray(), Base64.getDecoder().decode(key));
    assertNotNull(msg, "IdPk signed with the cluster's key");
    IdPk idPk = IdPk.parseFrom(msg);
    assertEquals(expectedId, idPk.getId());
    return idPk.getPk().toByteArray();
  }

  @Test
  @Order(1)
  void b_punchAcrossThreeNodes() throws Exception {
    try (UdpDevice b = registerOn(node1, "700100100", "127.0.0.2");
         TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.3")) {
      a.send(punchRequest("700100100"));
      RendezvousMessage toB = b.receive(UnionCase.PUNCH_HOLE);
      assertNotNull(toB, "node 2 had node 1 send the PunchHole from its UDP socket");
      assertEquals(node1.port("udp"), b.lastSender.getPort(), "from node 1's socket, where B's NAT is open");
      PunchHole ph = toB.getPunchHole();
      assertEquals(new InetSocketAddress("127.0.0.3", a.localPort()),
          AddrMangle.decode(ph.getSocketAddr().toByteArray()));
      try (TcpClient bConn = new TcpClient(node3.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setId("700100100").setRelayServer(ph.getRelayServer())
            .setNatType(NatType.ASYMMETRIC).setVersion("1.4.2")).build());
        RendezvousMessage toA = a.read();
        assertNotNull(toA, "B's answer on node 3 reached A's connection on node 2");
        PunchHoleResponse resp = toA.getPunchHoleResponse();
        assertEquals(new InetSocketAddress("127.0.0.2", bConn.localPort()),
            AddrMangle.decode(resp.getSocketAddr().toByteArray()));
        assertArrayEquals(b.pk, verifiedPk(resp.getPk(), "700100100"));
        assertTrue(bConn.closedByServer(2000));
      }
    }
  }

  @Test
  @Order(2)
  void c_relayBrokeredOnNode2RelayedOnNode3() throws Exception {
    String uuid = UUID.randomUUID().toString();
    try (UdpDevice b = registerOn(node1, "700200200", "127.0.0.2");
         TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.3")) {
      RequestRelay rr = RequestRelay.newBuilder().setId("700200200").setUuid(uuid)
          .setRelayServer("relay.example.org").setSecure(true).build();
      a.send(RendezvousMessage.newBuilder().setRequestRelay(rr).build());
      RequestRelay fwd = b.receive(UnionCase.REQUEST_RELAY).getRequestRelay();
      assertEquals(node1.port("udp"), b.lastSender.getPort(), "from node 1's socket");
      assertEquals(uuid, fwd.getUuid());
      // B may reach the relay before it answers: node 3 must know the uuid from node 2 alone
      assertTrue(node3.core().brokerage().wasBrokered(uuid).await(5, TimeUnit.SECONDS),
          "the uuid brokered on node 2 is known on node 3");
      assertEquals(new InetSocketAddress("127.0.0.3", a.localPort()),
          AddrMangle.decode(fwd.getSocketAddr().toByteArray()));
      try (TcpClient bConn = new TcpClient(node3.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setSocketAddr(fwd.getSocketAddr()).setUuid(uuid).setRelayServer("relay.example.org")
            .setId("700200200").setVersion("1.4.2")).build());
        RelayResponse toA = a.read().getRelayResponse();
        assertEquals(uuid, toA.getUuid());
        assertArrayEquals(b.pk, verifiedPk(toA.getPk(), "700200200"));
      }
    }
    // the relay on node 3 accepts the uuid node 2 brokered, and refuses one nobody brokered
    try (Socket a = relayConnect(node3, uuid); Socket b = relayConnect(node3, uuid)) {
      a.getOutputStream().write(new byte[] {1, 2, 3, 4});
      assertArrayEquals(new byte[] {1, 2, 3, 4}, readN(b.getInputStream(), 4));
      b.getOutputStream().write(new byte[] {9, 8});
      assertArrayEquals(new byte[] {9, 8}, readN(a.getInputStream(), 2));
    }
    try (Socket stranger = relayConnect(node3, UUID.randomUUID().toString())) {
      assertEquals(-1, stranger.getInputStream().read(), "unbrokered uuid closed");
    }
  }

  @Test
  @Order(3)
  void d_sameIntranetAcrossNodes() throws Exception {
    try (UdpDevice b = registerOn(node1, "700300300", "127.0.0.4");
         TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.4")) {
      a.send(punchRequest("700300300"));
      RendezvousMessage toB = b.receive(UnionCase.FETCH_LOCAL_ADDR);
      assertNotNull(toB, "same public IP: B is asked for its LAN address through node 1");
      assertEquals(node1.port("udp"), b.lastSender.getPort(), "from node 1's socket");
      byte[] lan = AddrMangle.encode(new InetSocketAddress("192.168.1.20", 40001));
      try (TcpClient bConn = new TcpClient(node3.port("signaling"), "127.0.0.4")) {
        bConn.send(RendezvousMessage.newBuilder().setLocalAddr(LocalAddr.newBuilder()
            .setSocketAddr(toB.getFetchLocalAddr().getSocketAddr()).setLocalAddr(ByteString.copyFrom(lan))
            .setRelayServer("relay.example.org:21117").setId("700300300").setVersion("1.4.2")).build());
        PunchHoleResponse resp = a.read().getPunchHoleResponse();
        assertTrue(resp.getIsLocal());
        assertArrayEquals(lan, resp.getSocketAddr().toByteArray());
        assertArrayEquals(b.pk, verifiedPk(resp.getPk(), "700300300"));
      }
    }
  }

  @Test
  @Order(4)
  void onlineStateSeenFromEveryNode() throws Exception {
    try (UdpDevice b = registerOn(node1, "700400400", "127.0.0.2");
         TcpClient q = new TcpClient(node3.port("nat"))) {
      q.send(RendezvousMessage.newBuilder().setOnlineRequest(OnlineRequest.newBuilder()
          .setId("asker").addPeers("700400400").addPeers("700400499")).build());
      byte[] states = q.read().getOnlineResponse().getStates().toByteArray();
      assertEquals((byte) 0x80, states[0], "registered on node 1: online; unknown: offline");
    }
  }

  @Test
  @Order(5)
  void perIdLimitCountsAcrossNodes() throws Exception {
    byte[] pk = Nacl.signKeyPair().publicKey();
    byte[] uuid = "uuid-700600600".getBytes();
    try (UdpDevice viaNode1 = new UdpDevice("700600600", uuid, pk, node1.port("udp"), "127.0.0.5");
         UdpDevice viaNode2 = new UdpDevice("700600600", uuid, pk, node2.port("udp"), "127.0.0.5")) {
      // ID_LIMIT RegisterPk per ID within 6 s, wherever they arrive
      for (int i = 0; i < ID_LIMIT; i++) {
        assertEquals(RegisterPkResponse.Result.OK, (i % 2 == 0 ? viaNode1 : viaNode2).registerPk(), "#" + i);
      }
      assertEquals(RegisterPkResponse.Result.TOO_FREQUENT, viaNode2.registerPk(),
          "node 2 saw only some, the cluster " + ID_LIMIT);
    }
  }

  @Test
  @Order(6)
  void requestToANodeThatLeavesFailsAtOnce() throws Exception {
    // a fourth node takes the request and never answers; when it leaves, the requester hears at once
    TestNode node4 = TestNode.startClustered(nodeDir("node4-" + UUID.randomUUID()), conf, clusterName, hazelcastPort);
    node4.vertx.eventBus().consumer("test.silent", msg -> { })
        .completion().await(10, TimeUnit.SECONDS);
    NodeRequests requests = new NodeRequests(node2.vertx.eventBus(), node2.core().cluster(), 30_000);
    String node4Id = node4.core().cluster().self();
    Future<?> inFlight = requests.request(node4Id, "test.silent", "hello");
    long t0 = System.nanoTime();
    node4.close();
    try {
      inFlight.await(10, TimeUnit.SECONDS);
    } catch (Exception expected) {
      // failed, as it must
    }
    assertTrue(inFlight.failed(), "failed when the node left");
    assertTrue(inFlight.cause() instanceof NodeRequests.NodeGoneException, inFlight.cause().toString());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000, "well before the 30 s timeout");
    assertFalse(node2.core().cluster().alive(node4Id));
  }

  @Test
  @Order(7)
  void aPunchForADeviceOnACrashedNodeIsAnsweredOfflineSoon() throws Exception {
    TestNode node4 = TestNode.startClustered(nodeDir("node4-" + UUID.randomUUID()), conf, clusterName, hazelcastPort);
    try (UdpDevice b = registerOn(node4, "700700700", "127.0.0.2")) {
      // node 4 dies without leaving: its Hazelcast member stops dead, no goodbye to the others
      ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
          ((io.vertx.core.internal.VertxInternal) node4.vertx).clusterManager())
          .getHazelcastInstance().getLifecycleService().terminate();
      long t0 = System.nanoTime();
      try (TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.3")) {
        a.send(punchRequest("700700700"));
        RendezvousMessage answer = a.read(8000);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertNotNull(answer, "A hears something, not nothing");
        assertEquals(PunchHoleResponse.Failure.OFFLINE, answer.getPunchHoleResponse().getFailure());
        assertTrue(ms < 8000, "within the request timeout and a little: " + ms + " ms");
      }
    } finally {
      try {
        node4.vertx.close().await(20, TimeUnit.SECONDS);
      } catch (Exception closingAfterTerminate) {
        // its cluster manager is already gone
      }
      // the next tests want a settled cluster: the dead member's partitions migrated
      com.hazelcast.core.HazelcastInstance hz = ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
          ((io.vertx.core.internal.VertxInternal) node2.vertx).clusterManager()).getHazelcastInstance();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!(hz.getPartitionService().isClusterSafe() && hz.getCluster().getMembers().size() == 3)
          && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      assertTrue(hz.getPartitionService().isClusterSafe(), "partitions safe again after the crash");
    }
  }

  @Test
  @Order(8)
  void nodeLossDeviceReRegistersElsewhereWithinOneHeartbeat() throws Exception {
    try (UdpDevice b = registerOn(node1, "700500500", "127.0.0.2")) {
      byte[] pkBefore = b.pk;
      node1.close();
      node1 = null;
      // A asking for B right after node 1 died is told OFFLINE at once, not left waiting
      try (TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.3")) {
        a.send(punchRequest("700500500"));
        RendezvousMessage answer = a.read(3000);
        assertNotNull(answer);
        assertEquals(PunchHoleResponse.Failure.OFFLINE, answer.getPunchHoleResponse().getFailure());
      }
      // the load balancer now sends B's next heartbeat to node 3: one RegisterPeer, one RegisterPk
      UdpDevice moved = new UdpDevice(b.id, b.uuid, pkBefore, node3.port("udp"), "127.0.0.2");
      try (moved) {
        Boolean keyRequested = moved.heartbeat();
        assertNotNull(keyRequested, "node 3 answers the heartbeat");
        if (keyRequested) {
          // node 3 had not read the record yet: the device re-sends its key, same uuid, accepted
          assertEquals(RegisterPkResponse.Result.OK, moved.registerPk());
        }
        // the record survived: another machine claiming the ID is refused, as before the loss
        try (UdpDevice impostor = new UdpDevice(b.id, "another-machine".getBytes(),
            Nacl.signKeyPair().publicKey(), node3.port("udp"), "127.0.0.9")) {
          assertEquals(RegisterPkResponse.Result.UUID_MISMATCH, impostor.registerPk());
        }
        // and A, still on node 2, reaches B through node 3 with B's original key
        try (TcpClient a = new TcpClient(node2.port("signaling"), "127.0.0.3")) {
          a.send(punchRequest("700500500"));
          RendezvousMessage toB = moved.receive(UnionCase.PUNCH_HOLE);
          assertNotNull(toB, "reachable again, through node 3");
          assertEquals(node3.port("udp"), moved.lastSender.getPort(), "from node 3's socket");
          try (TcpClient bConn = new TcpClient(node2.port("signaling"), "127.0.0.2")) {
            bConn.send(RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
                .setSocketAddr(toB.getPunchHole().getSocketAddr()).setId(b.id)
                .setNatType(NatType.ASYMMETRIC).setVersion("1.4.2")).build());
            PunchHoleResponse resp = a.read().getPunchHoleResponse();
            assertArrayEquals(pkBefore, verifiedPk(resp.getPk(), b.id), "the key registered before the loss");
          }
        }
      }
    }
  }

  @Test
  @Order(9)
  void aDeviceThatChangedItsKeyOnAnotherNodeIsJudgedByTheStoreNotByAStaleCopy() throws Exception {
    String id = "700800800";
    byte[] uuid = ("uuid-" + id).getBytes();
    byte[] pk1 = Nacl.signKeyPair().publicKey();
    byte[] pk2 = Nacl.signKeyPair().publicKey();
    try (UdpDevice onNode2 = new UdpDevice(id, uuid, pk1, node2.port("udp"), "127.0.0.11")) {
      assertEquals(RegisterPkResponse.Result.OK, onNode2.registerPk(), "node 2 now remembers pk1 from .11");
    }
    // the device moves to node 3 and, there, gets a new key (same uuid, same address: accepted)
    try (UdpDevice onNode3 = new UdpDevice(id, uuid, pk1, node3.port("udp"), "127.0.0.11")) {
      Boolean keyRequested = onNode3.heartbeat();
      if (Boolean.TRUE.equals(keyRequested)) {
        assertEquals(RegisterPkResponse.Result.OK, onNode3.registerPk());
      }
    }
    try (UdpDevice rekeyed = new UdpDevice(id, uuid, pk2, node3.port("udp"), "127.0.0.11")) {
      assertEquals(RegisterPkResponse.Result.OK, rekeyed.registerPk(), "new key from the same address");
    }
    // back on node 2 from a new address with the new key: node 2's copy (pk1, .11) would call
    // that another machine and make the device renumber itself
    try (UdpDevice back = new UdpDevice(id, uuid, pk2, node2.port("udp"), "127.0.0.12")) {
      Boolean keyRequested = back.heartbeat();
      assertEquals(Boolean.TRUE, keyRequested, "node 2 asks for the key of a device it does not hold");
      assertEquals(RegisterPkResponse.Result.OK, back.registerPk(), "judged by the shared store");
    }
  }

  @Test
  @Order(10)
  void aHeartbeatFromANewPortIsAnsweredAtOnceOnAQuietNode() throws Exception {
    try (UdpDevice b = registerOn(node2, "700900900", "127.0.0.13")) {
      assertEquals(Boolean.FALSE, b.heartbeat());
      // the NAT gave the device a new port: the node writes the new endpoint to the directory
      // before it answers, and nothing else arrives to flush that answer along
      try (UdpDevice rebound = new UdpDevice(b.id, b.uuid, b.pk, node2.port("udp"), "127.0.0.13")) {
        rebound.socket.setSoTimeout(1000);
        long t0 = System.nanoTime();
        assertEquals(Boolean.FALSE, rebound.heartbeat(), "answered");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1000, "at once");
        try (TcpClient a = new TcpClient(node3.port("signaling"), "127.0.0.3")) {
          a.send(punchRequest(b.id));
          assertNotNull(rebound.receive(UnionCase.PUNCH_HOLE), "punched at the new endpoint");
        }
      }
    }
  }

  @Test
  @Order(11)
  void directoryEntriesOfNodesThatAreGoneAreSweptAway() throws Exception {
    com.hazelcast.core.HazelcastInstance hz = ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager)
        ((io.vertx.core.internal.VertxInternal) node2.vertx).clusterManager()).getHazelcastInstance();
    com.hazelcast.map.IMap<String, com.hazelcast.core.HazelcastJsonValue> directory = hz.getMap(Clustering.PEERS_MAP);
    directory.put("stale-700", new com.hazelcast.core.HazelcastJsonValue(
        new JsonObject().put("n", "a-node-long-gone").put("ip", "127.0.0.2").put("port", 1).encode()));
    // node 1, stopped above, must be out of the membership: the oldest member does the sweep
    long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (hz.getCluster().getMembers().size() > 2 && System.nanoTime() < settle) {
      Thread.sleep(100);
    }
    try (UdpDevice live = registerOn(node2, "701000001", "127.0.0.14")) {
      assertNotNull(directory.get("701000001"), "a live node's entry");
      for (TestNode n : new TestNode[] {node2, node3}) {
        ((HazelcastPeerRegistry) n.core().registry()).sweepDeparted(); // only the oldest sweeps
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (directory.containsKey("stale-700") && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      assertFalse(directory.containsKey("stale-700"), "the departed node's entry is gone");
      assertNotNull(directory.get("701000001"), "the live node's entry stays");
    }
  }

  private static Socket relayConnect(TestNode node, String uuid) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", node.port("relay")), 3000);
    s.setSoTimeout(5000);
    s.getOutputStream().write(FrameCodec.encode(RendezvousMessage.newBuilder()
        .setRequestRelay(RequestRelay.newBuilder().setUuid(uuid).setLicenceKey(keyOf(node))).build().toByteArray()));
    return s;
  }

  private static String keyOf(TestNode node) {
    return node.core().keys().validationKey().orElse("");
  }

  private static byte[] readN(InputStream in, int n) throws IOException {
    byte[] out = new byte[n];
    int got = 0;
    while (got < n) {
      int r = in.read(out, got, n - got);
      if (r < 0) {
        throw new IOException("closed after " + got + " bytes");
      }
      got += r;
    }
    return out;
  }
}
