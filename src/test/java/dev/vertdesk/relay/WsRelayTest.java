package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsRelayClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket relay (docs/protocol.md §2.3, §7.3) through a whole node on loopback: mixed TCP/WS
 * and WS/WS pairs, message boundaries, pre-pairing data, the key check, the shared session
 * registry and events.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WsRelayTest {

  static final long TOTAL = 16L << 20;

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int tcpPort;
  static int wsPort;
  static final BlockingQueue<JsonObject> opened = new LinkedBlockingQueue<>();
  static final BlockingQueue<JsonObject> closed = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0)
            .put("firstMessageTimeoutSeconds", 1).put("pairTimeoutSeconds", 2)
            .put("idleTimeoutSeconds", 2)))
        .put("wsrelay", new JsonObject().put("config", new JsonObject()
            .put("handshakeTimeoutSeconds", 1).put("maxMessageSize", 4 << 20)))));
    key = node.core().keys().validationKey().orElseThrow();
    tcpPort = node.port("relay");
    wsPort = node.port("wsrelay");
    node.vertx.eventBus().<JsonObject>consumer(Addresses.RELAY_SESSION_OPENED, m -> opened.add(m.body()));
    node.vertx.eventBus().<JsonObject>consumer(Addresses.RELAY_SESSION_CLOSED, m -> closed.add(m.body()));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static String uuid() {
    return UUID.randomUUID().toString();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends stream {@code seed} as length-prefixed frames, one per message. */
  static CompletableFuture<Void> sendFrames(RelayClient tcp, long seed) {
    return CompletableFuture.runAsync(() -> RelayPairingTest.unchecked(() -> {
      OutputStream out = new BufferedOutputStream(tcp.out(), 256 * 1024);
      WsRelayClient.MessageStream s = new WsRelayClient.MessageStream(seed, TOTAL);
      for (byte[] m = s.next(); m != null; m = s.next()) {
        out.write(FrameCodec.encode(m));
      }
      out.flush();
    }));
  }

  /** Sends stream {@code seed} as binary messages, one per message. */
  static CompletableFuture<Void> sendMessages(WsRelayClient ws, long seed) {
    return CompletableFuture.runAsync(() -> RelayPairingTest.unchecked(() -> {
      WsRelayClient.MessageStream s = new WsRelayClient.MessageStream(seed, TOTAL);
      for (byte[] m = s.next(); m != null; m = s.next()) {
        ws.send(m);
      }
    }));
  }

  /** Every message of stream {@code seed}, each exactly once and in order, from {@code got}. */
  static void expectMessages(BlockingQueue<byte[]> got, long seed, String what) throws InterruptedException {
    WsRelayClient.MessageStream s = new WsRelayClient.MessageStream(seed, TOTAL);
    int i = 0;
    for (byte[] m = s.next(); m != null; m = s.next(), i++) {
      byte[] g = got.poll(15, TimeUnit.SECONDS);
      assertNotNull(g, what + ": message " + i + " never came");
      assertEquals(m.length, g.length, what + ": message " + i + " has another length");
      assertArrayEquals(m, g, what + ": message " + i + " differs");
    }
    assertNull(got.poll(200, TimeUnit.MILLISECONDS), what + ": nothing more than was sent");
  }

  static Thread frameReader(RelayClient tcp, BlockingQueue<byte[]> into) throws Exception {
    tcp.socket.setSoTimeout(0);
    java.io.InputStream in = tcp.in();
    Thread t = new Thread(() -> WsRelayClient.readFrames(in, into), "tcp-frames");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void mixedPairCarries16MiBEachWayWithFrameBoundariesKept() throws Exception {
    String u = uuid();
    try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key);
         RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
      BlockingQueue<byte[]> tcpGot = new LinkedBlockingQueue<>();
      frameReader(tcp, tcpGot);
      CompletableFuture<Void> fromTcp = sendFrames(tcp, 1);
      CompletableFuture<Void> fromWs = sendMessages(ws, 2);
      expectMessages(ws.messages, 1, "TCP frames as WebSocket messages");
      expectMessages(tcpGot, 2, "WebSocket messages as TCP frames");
      fromTcp.get(10, TimeUnit.SECONDS);
      fromWs.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void webSocketPairCarriesMessagesBothWays() throws Exception {
    String u = uuid();
    try (WsRelayClient a = new WsRelayClient(node.vertx, wsPort, "/", java.util.Map.of()).request(u, key);
         WsRelayClient b = new WsRelayClient(node.vertx, wsPort, "/any/path?x=1", java.util.Map.of())
             .request(u, key)) {
      CompletableFuture<Void> ab = sendMessages(a, 3);
      CompletableFuture<Void> ba = sendMessages(b, 4);
      expectMessages(b.messages, 3, "A to B");
      expectMessages(a.messages, 4, "B to A");
      ab.get(10, TimeUnit.SECONDS);
      ba.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void fragmentedMessageIsOneFrameOnTheTcpSide() throws Exception {
    String u = uuid();
    try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key);
         RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
      ws.ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(utf8("frag")), false));
      ws.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(utf8("men")), false));
      ws.ws.writeFrame(WebSocketFrame.pingFrame(Buffer.buffer(utf8("p")))); // allowed in between
      ws.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(utf8("ted")), true))
          .await(3, TimeUnit.SECONDS);
      ws.send(new byte[0]); // empty: not forwarded (§7.3)
      ws.send(utf8("next"));
      byte[] expected = concat(FrameCodec.encode(utf8("fragmented")), FrameCodec.encode(utf8("next")));
      assertArrayEquals(expected, tcp.read(expected.length, 3000));
    }
  }

  @Test
  void messagesSentBeforeThePartnerArriveAreDeliveredFirst() throws Exception {
    // WebSocket end first, with a message right behind its RequestRelay (B's SignedId, §12 item 14)
    String u = uuid();
    try (WsRelayClient ws = Eventually.parked(node, () -> new WsRelayClient(node.vertx, wsPort).request(u, key))) {
      ws.send(utf8("signed-id"));
      ws.send(utf8("and more"));
      try (RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
        byte[] expected = concat(FrameCodec.encode(utf8("signed-id")), FrameCodec.encode(utf8("and more")));
        assertArrayEquals(expected, tcp.read(expected.length, 3000), "held messages, framed, in order");
        tcp.write(FrameCodec.encode(utf8("back")));
        assertArrayEquals(utf8("back"), ws.read(3000));
      }
    }
    // TCP end first, its frame in the same write as the RequestRelay
    String v = uuid();
    try (RelayClient tcp = Eventually.parked(node, () -> new RelayClient(tcpPort).request(v, key,
        concat(FrameCodec.encode(utf8("hello")), FrameCodec.encode(utf8("world")))))) {
      try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(v, key)) {
        assertArrayEquals(utf8("hello"), ws.read(3000), "one message per frame");
        assertArrayEquals(utf8("world"), ws.read(3000));
      }
    }
    // two WebSocket ends, the first with a held message
    String w = uuid();
    try (WsRelayClient a = Eventually.parked(node, () -> new WsRelayClient(node.vertx, wsPort).request(w, key))) {
      a.send(utf8("early"));
      try (WsRelayClient b = new WsRelayClient(node.vertx, wsPort).request(w, key)) {
        assertArrayEquals(utf8("early"), b.read(3000));
      }
    }
  }

  @Test
  void wrongKeyOrEmptyUuidIsClosedWithoutPairing() throws Exception {
    String u = uuid();
    try (WsRelayClient bad = new WsRelayClient(node.vertx, wsPort).request(u, "not-the-key")) {
      assertTrue(bad.closedByServer(3000), "wrong key: closed");
      assertNull(bad.read(0), "and nothing was sent");
    }
    try (WsRelayClient bad = new WsRelayClient(node.vertx, wsPort).request("", key)) {
      assertTrue(bad.closedByServer(3000), "empty uuid: closed");
    }
    // the refused uuid was never parked: the next two pair with each other
    try (WsRelayClient a = new WsRelayClient(node.vertx, wsPort).request(u, key);
         RelayClient b = new RelayClient(tcpPort).request(u, key)) {
      a.send(utf8("ok"));
      assertArrayEquals(FrameCodec.encode(utf8("ok")), b.read(3, 3000));
    }
  }

  @Test
  void sessionsAndEventsCoverWebSocketEndsAndAHangUpEndsThePair() throws Exception {
    String u = uuid();
    try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key);
         RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
      tcp.write(FrameCodec.encode(utf8("x")));
      assertArrayEquals(utf8("x"), ws.read(3000));
      RelaySessions sessions = node.relay().sessions();
      RelaySessionInfo info = sessions.list().stream().filter(i -> i.uuid().equals(u)).findFirst().orElseThrow();
      assertTrue(info.first().startsWith("127.0.0.1:") && info.second().startsWith("127.0.0.1:"), info.toString());
      JsonObject open = awaitEvent(opened, u);
      assertEquals(info.id(), open.getString("session"));

      // the TCP end sends a last frame and hangs up: the WebSocket end gets it, then the close
      tcp.write(FrameCodec.encode(utf8("bye")));
      tcp.close();
      assertArrayEquals(utf8("bye"), ws.read(3000));
      assertTrue(ws.closedByServer(3000), "the survivor is closed");
      JsonObject end = awaitEvent(closed, u);
      assertEquals(2L + 4L, end.getLong("bytesSecondToFirst") + end.getLong("bytesFirstToSecond"));
      assertTrue(sessions.list().stream().noneMatch(i -> i.uuid().equals(u)));
    }
    // and the other way round: a WebSocket close ends the TCP end
    String v = uuid();
    try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(v, key);
         RelayClient tcp = new RelayClient(tcpPort).request(v, key)) {
      ws.send(utf8("last"));
      assertArrayEquals(FrameCodec.encode(utf8("last")), tcp.read(5, 3000));
      ws.ws.close().await(3, TimeUnit.SECONDS);
      assertEquals(0, tcp.awaitClose(3000), "the TCP end is closed");
    }
  }

  @Test
  void aSilentPairIsClosedByTheIdleRule() throws Exception {
    String u = uuid();
    try (WsRelayClient a = new WsRelayClient(node.vertx, wsPort).request(u, key);
         WsRelayClient b = new WsRelayClient(node.vertx, wsPort).request(u, key)) {
      a.send(utf8("once"));
      assertArrayEquals(utf8("once"), b.read(3000));
      long t0 = System.nanoTime();
      assertTrue(a.closedByServer(6000) && b.closedByServer(1000), "idle pair closed");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms > 1000, "not before the idle time: " + ms + " ms");
    }
  }

  @Test
  void anUnpairedConnectionIsClosedAfterThePairTimeout() throws Exception {
    try (WsRelayClient a = new WsRelayClient(node.vertx, wsPort).request(uuid(), key)) {
      assertTrue(a.closedByServer(5000), "nobody came");
    }
  }

  static JsonObject awaitEvent(BlockingQueue<JsonObject> events, String uuid) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < end) {
      JsonObject e = events.poll(100, TimeUnit.MILLISECONDS);
      if (e != null && uuid.equals(e.getString("uuid"))) {
        return e;
      }
    }
    throw new AssertionError("no event for " + uuid);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
