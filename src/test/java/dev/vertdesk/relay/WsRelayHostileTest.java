package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsRelayClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket relay port under text frames, oversized and fragmented messages, half-done
 * handshakes and garbage; after each, a good pair is still served.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsRelayHostileTest {

  static final int MAX_MESSAGE = 1 << 20;
  /** The relay's first-frame limit, which also bounds the RequestRelay message. */
  static final int FIRST_LIMIT = 16384;

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int tcpPort;
  static int wsPort;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0).put("maxFrameSize", FIRST_LIMIT)
            .put("firstMessageTimeoutSeconds", 1).put("pairTimeoutSeconds", 5)))
        .put("wsrelay", new JsonObject().put("config", new JsonObject()
            .put("handshakeTimeoutSeconds", 1).put("maxMessageSize", MAX_MESSAGE)))));
    key = node.core().keys().validationKey().orElseThrow();
    tcpPort = node.port("relay");
    wsPort = node.port("wsrelay");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** Whatever the test did, the port still serves a mixed pair. */
  @AfterEach
  void aGoodPairIsStillServed() throws Exception {
    String u = UUID.randomUUID().toString();
    try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key);
         RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
      ws.send(utf8("still here"));
      assertArrayEquals(FrameCodec.encode(utf8("still here")), tcp.read(11, 3000));
      tcp.write(FrameCodec.encode(utf8("yes")));
      assertArrayEquals(utf8("yes"), ws.read(3000));
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void assertClosedPromptly(WsRelayClient c, int status, String what) throws InterruptedException {
    long t0 = System.nanoTime();
    assertTrue(c.closedByServer(3000), what + ": closed");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(ms < 700, what + ": closed after " + ms + " ms, before any timeout");
    if (status > 0) {
      assertEquals((short) status, c.closeStatus(), what + ": close status");
    }
  }

  /** A mixed pair whose WebSocket end the test then abuses. */
  record Pair(WsRelayClient ws, RelayClient tcp) implements AutoCloseable {
    static Pair open() throws Exception {
      String u = UUID.randomUUID().toString();
      WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key);
      RelayClient tcp = new RelayClient(tcpPort).request(u, key);
      ws.send(utf8("p"));
      assertArrayEquals(FrameCodec.encode(utf8("p")), tcp.read(2, 3000), "paired");
      return new Pair(ws, tcp);
    }

    @Override
    public void close() throws Exception {
      ws.close();
      tcp.close();
    }
  }

  @Test
  void textFramesAreRefusedBeforeAndAfterPairing() throws Exception {
    try (WsRelayClient c = new WsRelayClient(node.vertx, wsPort)) {
      c.ws.writeTextMessage("hello");
      assertClosedPromptly(c, 1003, "text as first message");
    }
    try (Pair p = Pair.open()) {
      p.ws().ws.writeTextMessage("hello");
      assertClosedPromptly(p.ws(), 1003, "text while paired");
      assertEquals(0, p.tcp().awaitClose(3000), "the partner is closed too");
    }
  }

  @Test
  void oversizedMessagesClose() throws Exception {
    try (WsRelayClient c = new WsRelayClient(node.vertx, wsPort)) {
      c.ws.writeBinaryMessage(Buffer.buffer(new byte[FIRST_LIMIT + 1]));
      assertClosedPromptly(c, 1009, "first message over the RequestRelay limit");
    }
    try (Pair p = Pair.open()) {
      p.ws().ws.writeBinaryMessage(Buffer.buffer(new byte[MAX_MESSAGE]));
      byte[] header = FrameCodec.header(MAX_MESSAGE);
      assertEquals(header.length + MAX_MESSAGE, p.tcp().read(header.length + MAX_MESSAGE, 5000).length,
          "a message of exactly maxMessageSize passes");
      p.ws().ws.writeBinaryMessage(Buffer.buffer(new byte[MAX_MESSAGE + 1]));
      assertClosedPromptly(p.ws(), 1009, "one frame over maxMessageSize");
      assertEquals(0, p.tcp().awaitClose(3000), "the partner is closed too");
    }
    try (Pair p = Pair.open()) {
      p.ws().ws.writeBinaryMessage(Buffer.buffer(new byte[8 * MAX_MESSAGE]));
      assertTrue(p.ws().closedByServer(3000), "8 times over: closed");
    }
  }

  @Test
  void fragmentedMessagesUpToTheMaximumPassAsOneFrame() throws Exception {
    try (Pair p = Pair.open()) {
      byte[] big = new byte[MAX_MESSAGE * 5 / 8];
      byte[] rest = new byte[MAX_MESSAGE - big.length];
      java.util.Arrays.fill(rest, (byte) 7);
      p.ws().ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(big), false));
      p.ws().ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(rest), true));
      byte[] header = FrameCodec.header(MAX_MESSAGE);
      byte[] got = p.tcp().read(header.length + MAX_MESSAGE, 5000);
      assertEquals(header.length + MAX_MESSAGE, got.length, "one frame of the whole message");
      assertArrayEquals(header, java.util.Arrays.copyOf(got, header.length));
      assertEquals(7, got[got.length - 1]);
    }
  }

  @Test
  void fragmentedMessagesBeyondTheMaximumClose() throws Exception {
    try (WsRelayClient c = new WsRelayClient(node.vertx, wsPort)) {
      byte[] piece = new byte[FIRST_LIMIT / 2];
      c.ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(piece), false));
      c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(piece), false));
      c.ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(piece), false));
      assertClosedPromptly(c, 1009, "fragmented first message over the RequestRelay limit");
    }
    try (Pair p = Pair.open()) {
      byte[] piece = new byte[MAX_MESSAGE / 4];
      p.ws().ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(piece), false));
      for (int i = 0; i < 3; i++) {
        p.ws().ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(piece), false));
      }
      assertTrue(!p.ws().closedByServer(300), "exactly the maximum so far");
      p.ws().ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[1]), true));
      assertClosedPromptly(p.ws(), 1009, "fragments over maxMessageSize");
      assertEquals(0, p.tcp().awaitClose(3000), "nothing of it forwarded, the partner closed");
    }
  }

  @Test
  void aWebSocketReaderThatStopsHoldsTheTcpSenderBack() throws Exception {
    String u = UUID.randomUUID().toString();
    try (WsRelayClient ws = Eventually.parked(node, () -> new WsRelayClient(node.vertx, wsPort, "/", java.util.Map.of(),
        WsRelayClient.options().setReceiveBufferSize(64 * 1024)).request(u, key))) {
      try (RelayClient tcp = new RelayClient(tcpPort).request(u, key)) {
        ws.ws.pause();
        AtomicLong written = new AtomicLong();
        byte[] frame = FrameCodec.encode(new byte[16 * 1024]);
        CompletableFuture.runAsync(() -> {
          try {
            while (true) {
              tcp.out().write(frame);
              written.addAndGet(frame.length);
            }
          } catch (IOException closed) {
            // test over
          }
        });
        long plateau = awaitPlateau(written);
        assertTrue(plateau < 32L << 20, "the TCP sender was held back after " + plateau + " bytes");
        RelaySessionInfo info = session(u);
        assertTrue(info.pendingToFirst() <= QUEUE_BOUND,
            "queued for the WebSocket reader: " + info.pendingToFirst() + " bytes");
        ws.ws.resume();
        assertTrue(ws.read(3000) != null, "reading again once resumed");
      }
    }
  }

  @Test
  void aTcpReaderThatStopsHoldsTheWebSocketSenderBack() throws Exception {
    String u = UUID.randomUUID().toString();
    Socket small = new Socket();
    small.setReceiveBufferSize(64 * 1024);
    small.connect(new InetSocketAddress("127.0.0.1", tcpPort), 2000);
    try (RelayClient tcp = Eventually.parked(node, () -> new RelayClient(small).request(u, key))) {
      try (WsRelayClient ws = new WsRelayClient(node.vertx, wsPort).request(u, key)) {
        AtomicLong written = new AtomicLong();
        CompletableFuture.runAsync(() -> {
          try {
            while (true) {
              ws.send(new byte[64 * 1024]);
              written.addAndGet(64 * 1024);
            }
          } catch (Exception closed) {
            // test over
          }
        });
        long plateau = awaitPlateau(written);
        assertTrue(plateau < 32L << 20, "the WebSocket sender was held back after " + plateau + " bytes");
        RelaySessionInfo info = session(u);
        assertTrue(info.pendingToFirst() <= QUEUE_BOUND,
            "queued for the TCP reader: " + info.pendingToFirst() + " bytes");
        // the stuck end hangs up: the relay closes the WebSocket end, whose close frame cannot
        // get through its own full send buffer
        tcp.close();
        assertTrue(ws.closedByServer(3000), "the WebSocket end is closed with its partner");
      }
    }
  }

  /** Write-queue high-water mark + one read + one message: what may sit in the relay per end. */
  static final long QUEUE_BOUND = 256 * 1024 + 256 * 1024 + MAX_MESSAGE;

  static RelaySessionInfo session(String uuid) {
    return node.relay().sessions().list().stream()
        .filter(i -> i.uuid().equals(uuid)).findFirst().orElseThrow();
  }

  static long awaitPlateau(AtomicLong written) throws InterruptedException {
    long last = -1;
    for (int i = 0; i < 40; i++) {
      Thread.sleep(250);
      long now = written.get();
      if (now == last && now > 0) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("the sender was never held back: " + last + " bytes written");
  }

  @Test
  void garbageFirstMessagesClose() throws Exception {
    byte[][] firsts = {
        {(byte) 0xff, 0x01, 0x02, 0x03},            // not protobuf
        {0x32, 0x03, 0x0a, 0x01, 0x31},             // RegisterPeer{id: "1"}: not a RequestRelay
        {},                                         // empty
        FrameCodec.encode(WsRelayClient.requestPayload("u", key)), // a TCP frame, header and all
    };
    for (byte[] first : firsts) {
      try (WsRelayClient c = new WsRelayClient(node.vertx, wsPort)) {
        c.ws.writeBinaryMessage(Buffer.buffer(first));
        assertClosedPromptly(c, 1008, "first message " + java.util.Arrays.toString(first));
      }
    }
  }

  @Test
  void aConnectionThatNeverSendsItsRequestIsClosedAtTheTimeout() throws Exception {
    try (WsRelayClient c = new WsRelayClient(node.vertx, wsPort)) {
      c.ws.writePing(Buffer.buffer("ping")); // answered, but no substitute for the request
      long t0 = System.nanoTime();
      assertTrue(c.closedByServer(3000), "closed");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms > 700, "at the first-message timeout (1 s), not at once: " + ms + " ms");
    }
  }

  @Test
  void handshakesThatNeverCompleteAreDropped() throws Exception {
    // a partial upgrade request, then nothing
    assertDroppedWithin(2000, s -> s.getOutputStream().write(
        "GET /ws/relay HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n".getBytes(StandardCharsets.US_ASCII)));
    // the same, dribbled a byte at a time: the timeout counts from the connect, not from the last byte
    assertDroppedWithin(2000, s -> CompletableFuture.runAsync(() -> {
      try {
        for (byte b : "GET /ws/relay HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)) {
          s.getOutputStream().write(b);
          Thread.sleep(100);
        }
      } catch (Exception closed) {
        // dropped
      }
    }));
    // a connection that sends nothing at all
    assertDroppedWithin(2000, s -> { });
  }

  interface SocketUse {
    void use(Socket s) throws Exception;
  }

  static void assertDroppedWithin(int millis, SocketUse use) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", wsPort), 2000);
      long t0 = System.nanoTime();
      use.use(s);
      s.setSoTimeout(millis + 2000);
      InputStream in = s.getInputStream();
      try {
        while (in.read(new byte[1024]) >= 0) {
          // whatever the server says, it must then close
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the half-done handshake was not closed");
      } catch (IOException reset) {
        // closed by reset: fine
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < millis, "closed after " + ms + " ms");
    }
  }

  @Test
  void plainHttpAndBadUpgradesAreAnswered() throws Exception {
    assertEquals("HTTP/1.1 426", httpStatus("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals("HTTP/1.1 400", httpStatus("GET /ws/relay HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")); // no Sec-WebSocket-Key
    assertEquals("HTTP/1.1 426", httpStatus("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
    assertEquals("", httpStatus("\u0000\u0001garbage\r\n\r\n"), "garbage: closed without an answer");
  }

  static String httpStatus(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", wsPort), 2000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.setSoTimeout(3000);
      byte[] head;
      try {
        head = s.getInputStream().readNBytes(12);
      } catch (IOException reset) {
        head = new byte[0];
      }
      return new String(head, StandardCharsets.US_ASCII);
    }
  }
}
