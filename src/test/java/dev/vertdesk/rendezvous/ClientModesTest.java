package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.crypto.SecretStream;
import dev.vertdesk.proto.IdPk;
import dev.vertdesk.proto.KeyExchange;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.OnlineRequest;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleSent;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import dev.vertdesk.testing.WsClient;
import dev.vertdesk.testing.NaclClient;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every client mode: secure TCP (§6.4), TCP- and WebSocket-mode registration (§6.5), the web
 * client's walk-through (e) over WebSocket, ID change, and proxy headers.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClientModesTest {

  @TempDir
  Path dataDir;
  TestNode node;
  String key;

  @BeforeEach
  void start() throws Exception {
    JsonObject conf = new JsonObject().put("keepAliveSeconds", 6)
        .put("verticles", new JsonObject().put("signaling", new JsonObject()
            .put("config", new JsonObject().put("idleTimeoutSeconds", 6))));
    node = TestNode.start(dataDir, conf);
    key = node.core().keys().validationKey().orElseThrow();
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  /** A client running the secure-TCP handshake as RustDesk does; frames are then encrypted. */
  static final class SecureClient implements AutoCloseable {
    final TcpClient tcp;
    final SecretStream stream;

    SecureClient(int port, String localIp, byte[] serverSigningKey) throws Exception {
      tcp = new TcpClient(port, localIp);
      RendezvousMessage offer = Envelopes.parse(tcp.readRawFrame(3000));
      assertEquals(UnionCase.KEY_EXCHANGE, offer.getUnionCase(), "the server speaks first");
      assertEquals(1, offer.getKeyExchange().getKeysCount());
      byte[] serverBoxPk = Nacl.openSigned(offer.getKeyExchange().getKeys(0).toByteArray(), serverSigningKey);
      assertNotNull(serverBoxPk, "the offer is signed with the server key");
      Nacl.KeyPair mine = Nacl.boxKeyPair();
      byte[] sessionKey = Nacl.randomBytes(32);
      byte[] sealed = NaclClient.boxSeal(sessionKey, new byte[24], serverBoxPk, mine.secretKey());
      tcp.send(RendezvousMessage.newBuilder().setKeyExchange(KeyExchange.newBuilder()
          .addKeys(ByteString.copyFrom(mine.publicKey())).addKeys(ByteString.copyFrom(sealed))).build());
      stream = new SecretStream(sessionKey);
    }

    void send(RendezvousMessage m) throws Exception {
      tcp.writeRaw(FrameCodec.encode(stream.seal(m.toByteArray())));
    }

    /** Next message; empty frames (heartbeats) come back as null-union placeholders. */
    byte[] readPlain(int timeoutMillis) throws Exception {
      byte[] f = tcp.readRawFrame(timeoutMillis);
      return f == null ? null : stream.open(f);
    }

    RendezvousMessage read() throws Exception {
      while (true) {
        byte[] p = readPlain(3000);
        if (p == null) {
          return null;
        }
        if (p.length > 0) {
          return Envelopes.parse(p);
        }
      }
    }

    @Override
    public void close() throws Exception {
      tcp.close();
    }
  }

  private byte[] serverKey() {
    return Base64.getDecoder().decode(key);
  }

  private static RendezvousMessage registerPk(String id, byte[] uuid, byte[] pk) {
    return RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId(id)
        .setUuid(ByteString.copyFrom(uuid)).setPk(ByteString.copyFrom(pk))).build();
  }

  private RendezvousMessage punchRequest(String id, NatType nat) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(id).setNatType(nat).setLicenceKey(key).setVersion("1.4.2")).build();
  }

  @Test
  void encryptedPunchHoleRoundTrip() throws Exception {
    try (UdpDevice b = new UdpDevice("321321321", "u".getBytes(), Nacl.signKeyPair().publicKey(), node.port("udp"), "127.0.0.2");
         SecureClient a = new SecureClient(node.port("signaling"), "127.0.0.3", serverKey())) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      a.send(punchRequest("321321321", NatType.ASYMMETRIC));
      PunchHole ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setPunchHoleSent(PunchHoleSent.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setId("321321321").setNatType(NatType.ASYMMETRIC)
            .setVersion("1.4.2")).build());
      }
      RendezvousMessage answer = a.read();
      assertNotNull(answer, "the routed answer arrives encrypted on A's session");
      assertEquals(new InetSocketAddress("127.0.0.2", 0).getAddress(),
          AddrMangle.decode(answer.getPunchHoleResponse().getSocketAddr().toByteArray()).getAddress());
    }
  }

  @Test
  void badKeyExchangeAnswersClose() throws Exception {
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      c.readRawFrame(3000);
      c.send(RendezvousMessage.newBuilder().setKeyExchange(KeyExchange.newBuilder()
          .addKeys(ByteString.copyFrom(new byte[32])).addKeys(ByteString.copyFrom(new byte[48]))).build());
      assertTrue(c.closedByServer(2000), "a sealed key that does not open");
    }
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      c.readRawFrame(3000);
      c.send(RendezvousMessage.newBuilder().setKeyExchange(KeyExchange.newBuilder()
          .addKeys(ByteString.copyFrom(new byte[5]))).build());
      assertTrue(c.closedByServer(2000), "one short key");
    }
    try (SecureClient c = new SecureClient(node.port("signaling"), null, serverKey())) {
      c.tcp.writeRaw(FrameCodec.encode(new byte[40])); // garbage where ciphertext is due
      assertTrue(c.tcp.closedByServer(2000), "a frame that does not decrypt");
    }
  }

  @Test
  void tcpRegisteredDeviceIsPunchedOverItsLinkAndGoesOfflineWhenItDies() throws Exception {
    byte[] pk = Nacl.signKeyPair().publicKey();
    SecureClient b = new SecureClient(node.port("signaling"), "127.0.0.2", serverKey());
    b.send(registerPk("tcp-device-1", "uuid-tcp".getBytes(), pk));
    RegisterPkResponse rpr = b.read().getRegisterPkResponse();
    assertEquals(RegisterPkResponse.Result.OK, rpr.getResult());
    assertEquals(6, rpr.getKeepAlive());
    assertTrue(node.core().registry().cached("tcp-device-1").online());

    byte[] heartbeat = b.readPlain(4000);
    assertArrayEquals(new byte[0], heartbeat, "the server keeps the link alive with empty frames");
    b.tcp.writeRaw(new byte[] {0}); // the echo

    try (WsClient a = new WsClient(node.vertx, node.port("ws"), "/ws/id", Map.of())) {
      a.send(punchRequest("tcp-device-1", NatType.SYMMETRIC));
      RendezvousMessage toB = b.read();
      assertEquals(UnionCase.PUNCH_HOLE, toB.getUnionCase(), "PunchHole came over the TCP link");
      assertEquals(NatType.SYMMETRIC, toB.getPunchHole().getNatType());
      // (e) step 3: B relays; A gets a RelayResponse with B's signed key over WebSocket
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setSocketAddr(toB.getPunchHole().getSocketAddr()).setUuid("uuid-e-1")
            .setRelayServer("relay.example").setId("tcp-device-1").setVersion("1.4.2")).build());
      }
      RelayResponse rr = a.read().getRelayResponse();
      assertEquals("uuid-e-1", rr.getUuid());
      IdPk idPk = IdPk.parseFrom(Nacl.openSigned(rr.getPk().toByteArray(), serverKey()));
      assertArrayEquals(pk, idPk.getPk().toByteArray());
    }
    // the other messages for the device come over its link too
    try (TcpClient sameIp = new TcpClient(node.port("signaling"), "127.0.0.2")) {
      sameIp.send(punchRequest("tcp-device-1", NatType.ASYMMETRIC));
      assertEquals(UnionCase.FETCH_LOCAL_ADDR, b.read().getUnionCase(), "same public IP: FetchLocalAddr over the link");
    }
    try (TcpClient a2 = new TcpClient(node.port("signaling"), "127.0.0.3")) {
      a2.send(RendezvousMessage.newBuilder().setRequestRelay(dev.vertdesk.proto.RequestRelay.newBuilder()
          .setId("tcp-device-1").setUuid("uuid-rr-1").setRelayServer("relay.example")).build());
      RendezvousMessage forwarded = b.read();
      assertEquals(UnionCase.REQUEST_RELAY, forwarded.getUnionCase(), "RequestRelay over the link");
      assertEquals("uuid-rr-1", forwarded.getRequestRelay().getUuid());
    }

    long died = System.nanoTime();
    b.tcp.socket.close();
    while (node.core().registry().cached("tcp-device-1").online()) {
      Thread.sleep(50);
      assertTrue(System.nanoTime() - died < TimeUnit.SECONDS.toNanos(9), "offline within keep_alive x 1.5");
    }
  }

  @Test
  void silentLinkIsClosedAndDeviceGoesOffline() throws Exception {
    SecureClient b = new SecureClient(node.port("signaling"), "127.0.0.2", serverKey());
    b.send(registerPk("tcp-device-2", "uuid-2".getBytes(), new byte[] {1, 2, 3}));
    assertEquals(RegisterPkResponse.Result.OK, b.read().getRegisterPkResponse().getResult());
    long t0 = System.nanoTime();
    // never echo: the server must give up within 1.5 x keep_alive (6 s)
    assertTrue(b.tcp.closedByServer(9000), "dead link closed");
    while (node.core().registry().cached("tcp-device-2").online()) {
      Thread.sleep(20);
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(9), "offline within keep_alive x 1.5");
    }
    b.close();
  }

  @Test
  void webClientWalkthroughAgainstUdpDeviceAndOnlineQuery() throws Exception {
    try (UdpDevice b = new UdpDevice("654654654", "u".getBytes(), Nacl.signKeyPair().publicKey(), node.port("udp"), "127.0.0.2");
         WsClient a = new WsClient(node.vertx, node.port("ws"))) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      a.send(punchRequest("654654654", NatType.SYMMETRIC));
      PunchHole ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
      assertEquals(NatType.SYMMETRIC, ph.getNatType());
      try (TcpClient bConn = new TcpClient(node.port("signaling"), "127.0.0.2")) {
        bConn.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setSocketAddr(ph.getSocketAddr()).setUuid("uuid-e-2").setRelayServer("r")
            .setId("654654654").setVersion("1.4.2")).build());
      }
      RelayResponse rr = a.read().getRelayResponse();
      assertEquals("uuid-e-2", rr.getUuid());
      assertEquals(RelayResponse.UnionCase.PK, rr.getUnionCase());
    }
    // (e) step 4: the browser opens the WebSocket relay (21119), B the TCP relay (21117); B's
    // SignedId, sent right behind its RequestRelay, reaches the browser as one binary message
    byte[] requestRelay = RendezvousMessage.newBuilder().setRequestRelay(
        dev.vertdesk.proto.RequestRelay.newBuilder().setUuid("uuid-e-2").setLicenceKey(key)).build().toByteArray();
    byte[] signedId = "signed-id-of-B".getBytes();
    try (java.net.Socket bRelay = new java.net.Socket("127.0.0.1", node.port("relay"))) {
      bRelay.setSoTimeout(5000);
      java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
      frames.write(FrameCodec.encode(requestRelay));
      frames.write(FrameCodec.encode(signedId));
      bRelay.getOutputStream().write(frames.toByteArray());
      try (WsClient browser = new WsClient(node.vertx, node.port("wsrelay"), "/ws/relay", Map.of())) {
        browser.ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(requestRelay));
        assertArrayEquals(signedId, browser.readBytes(5000), "B's pre-pairing frame, as one message");
        byte[] publicKey = "public-key-of-A".getBytes();
        browser.ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(publicKey));
        byte[] expected = FrameCodec.encode(publicKey);
        assertArrayEquals(expected, bRelay.getInputStream().readNBytes(expected.length), "framed for TCP");
      }
    }
    try (WsClient q = new WsClient(node.vertx, node.port("ws"))) {
      q.send(RendezvousMessage.newBuilder().setOnlineRequest(OnlineRequest.newBuilder()
          .addPeers("654654654").addPeers("nobody-here")).build());
      assertArrayEquals(new byte[] {(byte) 0x80}, q.read().getOnlineResponse().getStates().toByteArray());
    }
  }

  @Test
  void webSocketRegistration() throws Exception {
    try (WsClient b = new WsClient(node.vertx, node.port("ws"))) {
      b.send(registerPk("ws-device-1", "uuid-ws".getBytes(), new byte[] {9}));
      RegisterPkResponse r = b.read().getRegisterPkResponse();
      assertEquals(RegisterPkResponse.Result.OK, r.getResult());
      assertEquals(6, r.getKeepAlive());
      assertArrayEquals(new byte[0], b.readBytes(4000), "heartbeat as an empty binary message");
      try (TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
        a.send(punchRequest("ws-device-1", NatType.ASYMMETRIC));
        RendezvousMessage toB = b.read();
        while (toB != null && toB.getUnionCase() == UnionCase.UNION_NOT_SET) {
          toB = b.read();
        }
        assertNotNull(toB);
        assertEquals(UnionCase.PUNCH_HOLE, toB.getUnionCase(), "the punch reaches B over its WebSocket link");
      }
    }
  }

  @Test
  void idChange() throws Exception {
    byte[] pk = Nacl.signKeyPair().publicKey();
    try (UdpDevice b = new UdpDevice("987987987", "machine-1".getBytes(), pk, node.port("udp"))) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    }
    try (UdpDevice other = new UdpDevice("taken_id1", "machine-2".getBytes(), new byte[] {1}, node.port("udp"))) {
      assertEquals(RegisterPkResponse.Result.OK, other.registerPk());
    }
    // the client's rule for custom IDs: a letter, then 5..15 word characters or '-'
    assertEquals(RegisterPkResponse.Result.INVALID_ID_FORMAT, changeId("987987987", "9bad", "machine-1", pk));
    assertEquals(RegisterPkResponse.Result.INVALID_ID_FORMAT, changeId("987987987", "9leading-digit", "machine-1", pk));
    assertEquals(RegisterPkResponse.Result.INVALID_ID_FORMAT, changeId("987987987", "abcdefghijklmnopq", "machine-1", pk),
        "17 characters");
    assertEquals(RegisterPkResponse.Result.INVALID_ID_FORMAT, changeId("987987987", "short", "machine-1", pk));
    assertEquals(RegisterPkResponse.Result.INVALID_ID_FORMAT, changeId("987987987", "has space", "machine-1", pk));
    assertEquals(RegisterPkResponse.Result.ID_EXISTS, changeId("987987987", "taken_id1", "machine-1", pk));
    assertEquals(RegisterPkResponse.Result.UUID_MISMATCH, changeId("987987987", "my-new-id", "machine-2", pk));
    assertEquals(RegisterPkResponse.Result.OK, changeId("987987987", "my-new-id", "machine-1", new byte[0]));
    assertNull(node.core().registry().lookup("987987987").toCompletionStage().toCompletableFuture().get(),
        "the old ID is gone");
    assertArrayEquals(pk, node.core().registry().lookup("my-new-id").toCompletionStage().toCompletableFuture().get().pk());
    assertNull(node.core().store().findById("987987987").toCompletionStage().toCompletableFuture().get());
    assertNotNull(node.core().store().findById("my-new-id").toCompletionStage().toCompletableFuture().get());
    // Rust's \w, which the client's check uses, takes non-ASCII letters too
    assertEquals(RegisterPkResponse.Result.OK, changeId("my-new-id", "Café-01", "machine-1", new byte[0]));
    assertArrayEquals(pk, node.core().registry().lookup("Café-01").toCompletionStage().toCompletableFuture().get().pk());
  }

  @Test
  void idChangeCanBeTurnedOff() throws Exception {
    node.close();
    node = TestNode.start(dataDir, new JsonObject().put("allowIdChange", false));
    byte[] pk = Nacl.signKeyPair().publicKey();
    try (UdpDevice b = new UdpDevice("987987988", "machine-3".getBytes(), pk, node.port("udp"))) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    }
    assertEquals(RegisterPkResponse.Result.NOT_SUPPORT, changeId("987987988", "another-id", "machine-3", new byte[0]),
        "as hbbs answers");
    assertNotNull(node.core().registry().lookup("987987988").toCompletionStage().toCompletableFuture().get(),
        "the ID stays");
  }

  @Test
  void linkHeartbeatsComeOftenEnoughToKeepADeviceRegistered() {
    assertEquals(10_000, SignalingService.heartbeatMillis(30), "a third of keep_alive");
    assertEquals(2_000, SignalingService.heartbeatMillis(6));
    assertEquals(10_000, SignalingService.heartbeatMillis(600), "never less often than REG_TIMEOUT / 3");
    assertEquals(1_666, SignalingService.heartbeatMillis(5));
  }

  private RegisterPkResponse.Result changeId(String oldId, String newId, String uuid, byte[] pk) throws Exception {
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      c.send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setOldId(oldId).setId(newId)
          .setUuid(ByteString.copyFromUtf8(uuid)).setPk(ByteString.copyFrom(pk))).build());
      RendezvousMessage m = c.read();
      assertTrue(c.closedByServer(2000));
      return m.getRegisterPkResponse().getResult();
    }
  }

  @Test
  void proxyHeadersCountOnlyFromTrustedPeers() throws Exception {
    try (UdpDevice b = new UdpDevice("135135135", "u".getBytes(), new byte[] {1}, node.port("udp"), "127.0.0.2")) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      try (WsClient a = new WsClient(node.vertx, node.port("ws"), "/ws/id", Map.of("X-Real-IP", "203.0.113.9"))) {
        a.send(punchRequest("135135135", NatType.SYMMETRIC));
        PunchHole ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
        assertEquals("203.0.113.9",
            AddrMangle.decode(ph.getSocketAddr().toByteArray()).getAddress().getHostAddress(),
            "loopback is a trusted proxy by default");
      }
    }
  }
}
