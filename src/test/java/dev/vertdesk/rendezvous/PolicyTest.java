package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.ConfigUpdate;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.SoftwareUpdate;
import dev.vertdesk.proto.TestNatRequest;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Relay forcing, the LAN mask, ConfigUpdate, SoftwareUpdate and UDP NAT probes (§5.4.3, §5.4.8–11). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyTest {

  @TempDir
  Path dataDir;

  private static UdpDevice registered(TestNode node, String id, String ip) throws Exception {
    UdpDevice b = new UdpDevice(id, ("uuid-" + id).getBytes(), Nacl.signKeyPair().publicKey(), node.port("udp"), ip);
    assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    return b;
  }

  private static RendezvousMessage punchRequest(TestNode node, UdpDevice b) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(b.id).setNatType(NatType.ASYMMETRIC)
        .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build();
  }

  private static PunchHole punch(TestNode node, UdpDevice b, String fromIp, UnionCase expected) throws Exception {
    try (TcpClient a = new TcpClient(node.port("signaling"), fromIp)) {
      a.send(punchRequest(node, b));
      RendezvousMessage m = b.receive(expected);
      assertNotNull(m, "expected " + expected);
      return expected == UnionCase.PUNCH_HOLE ? m.getPunchHole() : null;
    }
  }

  @Test
  void alwaysUseRelayForcesSymmetricButKeepsLanDirect() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("alwaysUseRelay", "Y"));
         UdpDevice b = registered(node, "111222333", "127.0.0.2")) {
      assertEquals(NatType.SYMMETRIC, punch(node, b, "127.0.0.3", UnionCase.PUNCH_HOLE).getNatType());
      punch(node, b, "127.0.0.2", UnionCase.FETCH_LOCAL_ADDR); // same public IP: LAN direct (§12 item 18)
    }
  }

  @Test
  void maskSendsLanDevicesTheLocalRelay() throws Exception {
    JsonObject conf = new JsonObject().put("mask", "127.0.0.2/32").put("localIp", "10.1.2.3")
        .put("relayServers", "public.example:21117");
    try (TestNode node = TestNode.start(dataDir, conf);
         UdpDevice b = registered(node, "222333444", "127.0.0.2")) {
      PunchHole ph = punch(node, b, "127.0.0.3", UnionCase.PUNCH_HOLE);
      assertEquals(NatType.SYMMETRIC, ph.getNatType(), "exactly one side on the LAN: relay");
      assertEquals("10.1.2.3", ph.getRelayServer(), "the LAN device gets the server's LAN address");
    }
  }

  /** A asks from {@code aIp}; B (outside the LAN) answers with a relay; what A is told. */
  private static String relayToldTo(TestNode node, UdpDevice b, String aIp, String relayOfB) throws Exception {
    try (TcpClient a = new TcpClient(node.port("signaling"), aIp)) {
      a.send(punchRequest(node, b));
      RendezvousMessage toB = b.receive(UnionCase.PUNCH_HOLE);
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.4")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(dev.vertdesk.proto.RelayResponse.newBuilder()
            .setSocketAddr(toB.getPunchHole().getSocketAddr()).setUuid("u-" + aIp).setRelayServer(relayOfB)
            .setId(b.id).setVersion("1.4.2")).build());
      }
      return a.read().getRelayResponse().getRelayServer();
    }
  }

  @Test
  void maskRewritesTheRelayOfARelayResponse() throws Exception {
    // §5.4.7: A on the LAN gets the server's LAN address; A outside, offered that LAN address by
    // B, gets the next public relay instead
    JsonObject conf = new JsonObject().put("mask", "127.0.0.2/32").put("localIp", "10.1.2.3")
        .put("relayServers", "public.example:21117");
    try (TestNode node = TestNode.start(dataDir, conf);
         UdpDevice b = registered(node, "222333445", "127.0.0.4")) {
      assertEquals("10.1.2.3", relayToldTo(node, b, "127.0.0.2", "public.example:21117"));
      assertEquals("public.example:21117", relayToldTo(node, b, "127.0.0.3", "10.1.2.3"));
      assertEquals("other.example", relayToldTo(node, b, "127.0.0.5", "other.example"), "else as B chose");
    }
  }

  @Test
  void bothInsideMaskIsSameIntranet() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("mask", "127.0.0.0/8").put("localIp", "10.1.2.3"));
         UdpDevice b = registered(node, "333444555", "127.0.0.2")) {
      punch(node, b, "127.0.0.3", UnionCase.FETCH_LOCAL_ADDR);
    }
  }

  @Test
  void relayRotationAcrossConfiguredServers() throws Exception {
    // a single configured relay is handed out whatever its health (§5.6)
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("relayServers", "r1.invalid:21117"));
         UdpDevice b = registered(node, "444555666", "127.0.0.2")) {
      assertEquals("r1.invalid:21117", punch(node, b, "127.0.0.3", UnionCase.PUNCH_HOLE).getRelayServer());
    }
  }

  @Test
  void configUpdateFromLoopbackReachesDevices() throws Exception {
    try (TestNode node = TestNode.start(dataDir);
         UdpDevice admin = new UdpDevice("admin-console", new byte[] {1}, new byte[] {1}, node.port("udp"));
         UdpDevice b = registered(node, "555666777", "127.0.0.2")) {
      admin.send(RendezvousMessage.newBuilder().setConfigureUpdate(ConfigUpdate.newBuilder()
          .setSerial(7).addRendezvousServers("id1.example").addRendezvousServers(" ")).build());
      long deadline = System.currentTimeMillis() + 3000;
      while (node.rendezvous().configUpdates().newerThan(6).isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      b.send(RendezvousMessage.newBuilder().setRegisterPeer(RegisterPeer.newBuilder().setId(b.id).setSerial(3)).build());
      ConfigUpdate cu = b.receive(UnionCase.CONFIGURE_UPDATE).getConfigureUpdate();
      assertEquals(7, cu.getSerial());
      assertEquals(List.of("id1.example"), cu.getRendezvousServersList());
      try (TcpClient c = new TcpClient(node.port("signaling"))) {
        c.send(RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder().setSerial(3)).build());
        assertEquals(7, c.read().getTestNatResponse().getCu().getSerial(), "NAT test on the main port carries cu");
      }
    }
  }

  @Test
  void softwareUpdateAndUdpNatProbe() throws Exception {
    JsonObject conf = new JsonObject().put("softwareUrl", "https://dl.example/rustdesk-1.2.3.exe");
    try (TestNode node = TestNode.start(dataDir, conf);
         UdpDevice legacy = new UdpDevice("legacy-1", new byte[] {1}, new byte[] {1}, node.port("udp"))) {
      legacy.send(RendezvousMessage.newBuilder().setSoftwareUpdate(SoftwareUpdate.newBuilder().setUrl("1.1.9")).build());
      assertEquals("https://dl.example/rustdesk-1.2.3.exe",
          legacy.receive(UnionCase.SOFTWARE_UPDATE).getSoftwareUpdate().getUrl());
      legacy.send(RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder().setSerial(3)).build());
      assertEquals(legacy.localPort(), legacy.receive(UnionCase.TEST_NAT_RESPONSE).getTestNatResponse().getPort());
      legacy.send(RendezvousMessage.newBuilder().setSoftwareUpdate(SoftwareUpdate.newBuilder().setUrl("1.2.3")).build());
      legacy.socket.setSoTimeout(500);
      assertTrue(legacy.receive() == null, "an up-to-date client gets no SoftwareUpdate");
    }
  }
}
