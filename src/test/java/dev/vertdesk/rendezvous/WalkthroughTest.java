package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.IdPk;
import dev.vertdesk.proto.LocalAddr;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleSent;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.proto.TestNatRequest;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/protocol.md §11 walk-throughs (a), (b), (c), (d), (f) with fake devices on loopback. Devices
 * that must not look "same intranet" use different loopback addresses (127.0.0.2 vs .3).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WalkthroughTest {

  @TempDir
  Path dataDir;
  TestNode node;
  String key;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("relayServers", "relay.example.org:21117"));
    key = node.core().keys().validationKey().orElseThrow();
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  private UdpDevice device(String id, String ip) throws Exception {
    UdpDevice b = new UdpDevice(id, ("uuid-" + id).getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), ip);
    assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    return b;
  }

  private RendezvousMessage punchRequest(String id, String licence) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(licence).setVersion("1.4.2")).build();
  }

  /** Verifies the server-signed IdPk and returns the pk it vouches for. */
  private byte[] verifiedPk(ByteString signed, String expectedId) throws Exception {
    byte[] serverPk = Base64.getDecoder().decode(key);
    byte[] msg = Nacl.openSigned(signed.toByteArray(), serverPk);
    assertNotNull(msg, "IdPk signature must verify with the server key");
    IdPk idPk = IdPk.parseFrom(msg);
    assertEquals(expectedId, idPk.getId());
    return idPk.getPk().toByteArray();
  }

  @Test
  void aNatTypeNewerThanOurSchemaIsPassedOnAsItCame() throws Exception {
    try (UdpDevice b = device("200300499", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
          .setId("200300499").setNatTypeValue(7).setLicenceKey(key).setVersion("1.4.2")).build());
      RendezvousMessage toB = b.receive(UnionCase.PUNCH_HOLE);
      assertNotNull(toB, "B is still told to punch");
      assertEquals(7, toB.getPunchHole().getNatTypeValue());
    }
  }

  @Test
  void aPeerWithoutVersionGetsNoSignedKey() throws Exception {
    // very old clients send no version; hbbs answers them with an empty pk (§5.5, §12 item 13)
    try (UdpDevice b = device("200300498", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a.send(punchRequest("200300498", key));
      PunchHole ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setId("200300498").setNatType(NatType.ASYMMETRIC)).build());
        PunchHoleResponse resp = a.read().getPunchHoleResponse();
        assertFalse(resp.getSocketAddr().isEmpty(), "a success");
        assertTrue(resp.getPk().isEmpty(), "without a signed key");
      }
    }
  }

  @Test
  void a_deviceRegistersAndStaysOnline() throws Exception {
    try (UdpDevice b = new UdpDevice("100200300", "machine-uid".getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"))) {
      assertEquals(Boolean.TRUE, b.heartbeat(), "unknown ID is asked for its key");
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      assertEquals(Boolean.FALSE, b.heartbeat());
      var view = node.core().registry().cached("100200300");
      assertTrue(view.online());
      assertEquals(b.localPort(), view.endpoint().getPort());
      var row = node.core().store().findById("100200300").toCompletionStage().toCompletableFuture().get();
      assertArrayEquals(b.pk, row.pk());
      assertEquals("127.0.0.1", row.ip());
    }
  }

  @Test
  void b_tcpHolePunching() throws Exception {
    try (UdpDevice b = device("200300400", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a.send(punchRequest("200300400", key));
      RendezvousMessage toB = b.receive(UnionCase.PUNCH_HOLE);
      assertNotNull(toB, "B gets a PunchHole over UDP");
      PunchHole ph = toB.getPunchHole();
      assertEquals(new InetSocketAddress("127.0.0.3", a.localPort()),
          AddrMangle.decode(ph.getSocketAddr().toByteArray()));
      assertEquals(NatType.ASYMMETRIC, ph.getNatType());
      assertEquals("relay.example.org:21117", ph.getRelayServer());

      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setId("200300400").setRelayServer(ph.getRelayServer())
            .setNatType(NatType.ASYMMETRIC).setVersion("1.4.2")).build());
        RendezvousMessage toA = a.read();
        assertNotNull(toA);
        PunchHoleResponse resp = toA.getPunchHoleResponse();
        assertEquals(new InetSocketAddress("127.0.0.2", bConn.localPort()),
            AddrMangle.decode(resp.getSocketAddr().toByteArray()));
        assertArrayEquals(b.pk, verifiedPk(resp.getPk(), "200300400"));
        assertEquals(NatType.ASYMMETRIC, resp.getNatType());
        assertEquals("relay.example.org:21117", resp.getRelayServer());
        assertTrue(bConn.closedByServer(2000), "B's connection is closed after its answer");
      }
    }
  }

  @Test
  void c_relayRequestedByA() throws Exception {
    try (UdpDevice b = device("300400500", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      RequestRelay rr = RequestRelay.newBuilder().setId("300400500")
          .setUuid("5d1b8f1e-0c3f-4a57-9d7e-3f3c2d1b0a99").setRelayServer("relay.example.org")
          .setSecure(true).setToken("tok").build();
      a.send(RendezvousMessage.newBuilder().setRequestRelay(rr).build());
      RendezvousMessage toB = b.receive(UnionCase.REQUEST_RELAY);
      assertNotNull(toB);
      RequestRelay fwd = toB.getRequestRelay();
      assertEquals(new InetSocketAddress("127.0.0.3", a.localPort()),
          AddrMangle.decode(fwd.getSocketAddr().toByteArray()));
      assertEquals(rr.getUuid(), fwd.getUuid());
      assertEquals(rr.getRelayServer(), fwd.getRelayServer());
      assertTrue(fwd.getSecure());
      assertEquals("tok", fwd.getToken());

      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setSocketAddr(fwd.getSocketAddr()).setVersion("1.4.2")).build());
        RendezvousMessage toA = a.read();
        assertNotNull(toA);
        assertTrue(toA.getRelayResponse().getSocketAddr().isEmpty(), "A's address is stripped");
        assertEquals("1.4.2", toA.getRelayResponse().getVersion());
        assertTrue(bConn.closedByServer(2000), "B's connection is closed once its answer is delivered");
      }
    }
  }

  @Test
  void c_relayInitiatedByB_carriesSignedPk() throws Exception {
    try (UdpDevice b = device("400500600", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
          .setId("400500600").setNatType(NatType.SYMMETRIC).setLicenceKey(key)).build());
      PunchHole ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
      assertEquals(NatType.SYMMETRIC, ph.getNatType());
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setUuid("u-1").setRelayServer("r.example:21117")
            .setId("400500600").setVersion("1.4.2")).build());
        RelayResponse toA = a.read().getRelayResponse();
        assertEquals(RelayResponse.UnionCase.PK, toA.getUnionCase());
        assertArrayEquals(b.pk, verifiedPk(toA.getPk(), "400500600"));
        assertEquals("u-1", toA.getUuid());
        assertEquals("r.example:21117", toA.getRelayServer());
        assertTrue(bConn.closedByServer(2000));
      }
    }
  }

  @Test
  void d_sameIntranetUsesLocalAddress() throws Exception {
    try (UdpDevice b = device("500600700", "127.0.0.4");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.4")) {
      a.send(punchRequest("500600700", key));
      RendezvousMessage toB = b.receive(UnionCase.FETCH_LOCAL_ADDR);
      assertNotNull(toB, "same public IP: B is asked for its LAN address");
      var fla = toB.getFetchLocalAddr();
      assertEquals(new InetSocketAddress("127.0.0.4", a.localPort()),
          AddrMangle.decode(fla.getSocketAddr().toByteArray()));
      byte[] lan = AddrMangle.encode(new InetSocketAddress("192.168.1.20", 40001));
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.4")) {
        bConn.send(RendezvousMessage.newBuilder().setLocalAddr(LocalAddr.newBuilder()
            .setSocketAddr(fla.getSocketAddr()).setLocalAddr(ByteString.copyFrom(lan))
            .setRelayServer(fla.getRelayServer()).setId("500600700").setVersion("1.4.2")).build());
        PunchHoleResponse resp = a.read().getPunchHoleResponse();
        assertTrue(resp.getIsLocal());
        assertArrayEquals(lan, resp.getSocketAddr().toByteArray(), "local address passed through unchanged");
        assertArrayEquals(b.pk, verifiedPk(resp.getPk(), "500600700"));
      }
    }
  }

  @Test
  void f_natTestOnBothPorts() throws Exception {
    for (String listener : new String[] {"signaling", "nat"}) {
      try (TcpClient c = new TcpClient(node.port(listener))) {
        c.send(RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder().setSerial(3)).build());
        RendezvousMessage m = c.read();
        assertEquals(c.localPort(), m.getTestNatResponse().getPort(), listener);
        assertFalse(m.getTestNatResponse().hasCu());
        assertTrue(c.closedByServer(2000), listener + " closes after the NAT test");
      }
    }
  }

  @Test
  void domainEventsArePublished() throws Exception {
    java.util.concurrent.BlockingQueue<JsonObject> events = new java.util.concurrent.LinkedBlockingQueue<>();
    for (String address : new String[] {dev.vertdesk.events.Addresses.PEER_REGISTERED,
        dev.vertdesk.events.Addresses.PEER_ONLINE, dev.vertdesk.events.Addresses.PUNCH_REQUESTED}) {
      node.vertx.eventBus().<JsonObject>consumer(address, m -> events.add(m.body()))
          .completion().await(5, TimeUnit.SECONDS);
    }
    try (UdpDevice b = device("700800900", "127.0.0.2");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a.send(punchRequest("700800900", key));
      assertNotNull(b.receive(UnionCase.PUNCH_HOLE));
    }
    JsonObject registered = events.poll(3, TimeUnit.SECONDS);
    JsonObject online = events.poll(3, TimeUnit.SECONDS);
    JsonObject punch = events.poll(3, TimeUnit.SECONDS);
    assertEquals("peer.registered", registered.getString("type"));
    assertEquals("700800900", registered.getString("id"));
    assertEquals("127.0.0.2", registered.getString("ip"));
    assertTrue(registered.getBoolean("created"));
    assertEquals("peer.online", online.getString("type"));
    assertEquals("punch.requested", punch.getString("type"));
    assertEquals("punch", punch.getString("outcome"));
    assertEquals("127.0.0.3", punch.getString("from"));
  }

  @Test
  void failures_idNotExist_offline_licenseMismatch() throws Exception {
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(punchRequest("999888777", key));
      byte[] frame = a.readFrame(3000);
      assertArrayEquals(new byte[] {0x5a, 0x00}, frame, "ID_NOT_EXIST is literally 5a 00");
    }
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(punchRequest("999888777", "OeVuKk5nlHiXp+APNn0Y3pC1Iwpwn44JGqrQCsWqmBw="));
      assertEquals(PunchHoleResponse.Failure.LICENSE_MISMATCH, a.read().getPunchHoleResponse().getFailure());
    }
    // Known from the database only (not registered since start): offline, not unknown.
    node.core().store().insert("600700800", "u".getBytes(), new byte[32], "1.2.3.4")
        .toCompletionStage().toCompletableFuture().get();
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(punchRequest("600700800", key));
      PunchHoleResponse r = a.read().getPunchHoleResponse();
      assertTrue(r.getSocketAddr().isEmpty());
      assertEquals(PunchHoleResponse.Failure.OFFLINE, r.getFailure());
    }
  }
}
