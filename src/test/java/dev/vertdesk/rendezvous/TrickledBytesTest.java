package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time limits are deadlines, not silence detectors: a client that trickles one byte a second, more
 * often than the time limit, of a frame (or a WebSocket upgrade, or a fragmented WebSocket message)
 * it never finishes is closed when the limit, counted from the connect, runs out. A silence
 * detector, as before, kept such connections forever. Complete messages, heartbeats of a device
 * registered over TCP included, still keep a connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrickledBytesTest {

  /** Time limits of the node under test; the trickle (one byte a second) is well inside each. */
  static final int SIGNALING_IDLE_SECONDS = 3;
  static final int NAT_FIRST_MESSAGE_SECONDS = 2;
  static final int WS_IDLE_SECONDS = 3;
  static final long TRICKLE_MILLIS = 1000;
  /** Allowance over the limit for a loaded build machine; the old code never closed them at all. */
  static final long SLACK_MILLIS = 2500;

  @TempDir
  Path dataDir;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("keepAliveSeconds", 5).put("verticles", new JsonObject()
        .put("signaling", new JsonObject().put("config", new JsonObject().put("idleTimeoutSeconds", SIGNALING_IDLE_SECONDS)))
        .put("nat", new JsonObject().put("config", new JsonObject().put("firstMessageTimeoutSeconds", NAT_FIRST_MESSAGE_SECONDS)))
        .put("ws", new JsonObject().put("config", new JsonObject().put("idleTimeoutSeconds", WS_IDLE_SECONDS)))));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  /** One trickling client: what it sends first, then {@code step} more bytes of {@code rest} per tick. */
  private record Trickler(SocketChannel channel, long connectedNanos, byte[] rest, int step, int[] sent,
                          long[] closedNanos) {

    static Trickler open(int port, byte[] first, byte[] rest) throws IOException {
      return open(port, first, rest, 1);
    }

    static Trickler open(int port, byte[] first, byte[] rest, int step) throws IOException {
      SocketChannel ch = SocketChannel.open();
      ch.bind(new InetSocketAddress("127.0.0.2", 0));
      ch.connect(new InetSocketAddress("127.0.0.1", port));
      long connected = System.nanoTime();
      ch.write(ByteBuffer.wrap(first));
      ch.configureBlocking(false);
      return new Trickler(ch, connected, rest, step, new int[1], new long[] {-1});
    }

    boolean open() {
      return closedNanos[0] < 0;
    }

    void closed() {
      closedNanos[0] = System.nanoTime();
    }

    long lifetimeMillis() {
      return TimeUnit.NANOSECONDS.toMillis(closedNanos[0] - connectedNanos);
    }

    void trickle() {
      if (!open() || sent[0] >= rest.length) {
        return;
      }
      try {
        channel.write(ByteBuffer.wrap(rest, sent[0], Math.min(step, rest.length - sent[0])));
        sent[0] += step;
      } catch (IOException reset) {
        closed();
      }
    }
  }

  /**
   * Trickles to every client until the server has closed each, or {@code giveUpMillis}; what the
   * server sends (a KeyExchange offer, a close frame) is read and dropped.
   */
  private static void trickleUntilClosed(List<Trickler> clients, long giveUpMillis) throws IOException {
    try (Selector selector = Selector.open()) {
      for (Trickler t : clients) {
        t.channel().register(selector, SelectionKey.OP_READ, t);
      }
      ByteBuffer sink = ByteBuffer.allocate(4096);
      long start = System.nanoTime();
      long nextTick = start + TimeUnit.MILLISECONDS.toNanos(TRICKLE_MILLIS);
      while (clients.stream().anyMatch(Trickler::open)
          && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(giveUpMillis)) {
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - System.nanoTime()));
        selector.select(waitMillis);
        for (SelectionKey key : selector.selectedKeys()) {
          Trickler t = (Trickler) key.attachment();
          try {
            sink.clear();
            if (t.channel().read(sink) < 0) {
              t.closed();
              key.cancel();
            }
          } catch (IOException reset) {
            t.closed();
            key.cancel();
          }
        }
        selector.selectedKeys().clear();
        if (System.nanoTime() >= nextTick) {
          clients.forEach(Trickler::trickle);
          nextTick += TimeUnit.MILLISECONDS.toNanos(TRICKLE_MILLIS);
        }
      }
    } finally {
      for (Trickler t : clients) {
        t.channel().close();
      }
    }
  }

  private static void assertClosedAtTheLimit(String what, List<Trickler> clients, int limitSeconds) {
    long limit = TimeUnit.SECONDS.toMillis(limitSeconds);
    for (Trickler t : clients) {
      assertFalse(t.open(), what + ": still open after " + (limit + SLACK_MILLIS) + " ms of trickling");
      assertTrue(t.sent()[0] >= (limitSeconds - 1) * t.step(), what + ": it did trickle (" + t.sent()[0] + " bytes)");
      long life = t.lifetimeMillis();
      // the lower bound only tells the limit from another cause: this thread may note the connect
      // late on a loaded machine, after the server has started counting
      assertTrue(life >= limit - 1000 && life <= limit + SLACK_MILLIS,
          what + ": closed " + life + " ms after the connect, the limit being " + limit + " ms");
    }
  }

  /** A frame header announcing 1 000 bytes (docs/protocol.md §2.1), then payload bytes that never complete it. */
  private static final byte[] UNFINISHED_FRAME_HEADER = {(byte) 0xa1, 0x0f};

  @Test
  void fiftyTricklersOnTheNatPortAndFiftyOnSignalingAreAllClosedAtTheLimit() throws Exception {
    List<Trickler> nat = new ArrayList<>();
    List<Trickler> signaling = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      nat.add(Trickler.open(node.port("nat"), UNFINISHED_FRAME_HEADER, new byte[1000]));
      signaling.add(Trickler.open(node.port("signaling"), UNFINISHED_FRAME_HEADER, new byte[1000]));
    }
    List<Trickler> all = new ArrayList<>(nat);
    all.addAll(signaling);
    trickleUntilClosed(all, TimeUnit.SECONDS.toMillis(SIGNALING_IDLE_SECONDS) + SLACK_MILLIS + 1000);
    assertClosedAtTheLimit("nat", nat, NAT_FIRST_MESSAGE_SECONDS);
    assertClosedAtTheLimit("signaling", signaling, SIGNALING_IDLE_SECONDS);
  }

  @Test
  void aWebSocketUpgradeTrickledOrNeverAskedForIsClosedAtTheLimit() throws Exception {
    byte[] upgrade = ("GET /ws/id HTTP/1.1\r\nHost: vertdesk.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    String request = "GET / HTTP/1.1\r\nHost: vertdesk.example\r\n\r\n";
    byte[] plainRequest = request.getBytes(StandardCharsets.US_ASCII);
    byte[] moreRequests = request.repeat(10).getBytes(StandardCharsets.US_ASCII);
    List<Trickler> byteByByte = new ArrayList<>();
    List<Trickler> plainRequests = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      byteByByte.add(Trickler.open(node.port("ws"), Arrays.copyOf(upgrade, 1), Arrays.copyOfRange(upgrade, 1, upgrade.length)));
      // complete requests (each answered 426) on a kept-alive connection, but never the upgrade
      plainRequests.add(Trickler.open(node.port("ws"), plainRequest, moreRequests, plainRequest.length));
    }
    List<Trickler> all = new ArrayList<>(byteByByte);
    all.addAll(plainRequests);
    trickleUntilClosed(all, TimeUnit.SECONDS.toMillis(WS_IDLE_SECONDS) + SLACK_MILLIS + 1000);
    assertClosedAtTheLimit("ws upgrade trickled byte by byte", byteByByte, WS_IDLE_SECONDS);
    assertClosedAtTheLimit("ws requests without an upgrade", plainRequests, WS_IDLE_SECONDS);
  }

  @Test
  void aWebSocketMessageTrickledInFragmentsIsClosedWhilePingsKeepAConnection() throws Exception {
    try (Socket fragments = upgraded(); Socket pinging = upgraded()) {
      long t0 = System.nanoTime();
      fragments.getOutputStream().write(frame(0x02, false, new byte[] {0x0a})); // a binary message begins
      long giveUp = t0 + TimeUnit.MILLISECONDS.toNanos(TimeUnit.SECONDS.toMillis(WS_IDLE_SECONDS) + SLACK_MILLIS);
      boolean closed = false;
      while (!closed && System.nanoTime() < giveUp) {
        pinging.getOutputStream().write(frame(0x09, true, new byte[0]));
        try {
          fragments.getOutputStream().write(frame(0x00, false, new byte[] {0x01})); // never the last one
        } catch (IOException reset) {
          closed = true;
        }
        closed |= closedWithin(fragments, (int) TRICKLE_MILLIS);
      }
      long life = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(closed, "fragments every second do not keep a connection");
      assertTrue(life >= TimeUnit.SECONDS.toMillis(WS_IDLE_SECONDS) - 1000, "closed after " + life + " ms");
      assertFalse(closedWithin(pinging, 200), "pings, complete frames, kept the other one open");
    }
  }

  @Test
  void aDeviceRegisteredOverTcpKeepsItsLinkWithHeartbeats() throws Exception {
    try (TcpClient b = new TcpClient(node.port("signaling"), "127.0.0.4")) {
      b.send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId("trickle-dev1")
          .setUuid(ByteString.copyFromUtf8("uuid-trickle")).setPk(ByteString.copyFrom(Nacl.signKeyPair().publicKey())))
          .build());
      assertEquals(RegisterPkResponse.Result.OK, b.read().getRegisterPkResponse().getResult());
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3L * SIGNALING_IDLE_SECONDS);
      int echoed = 0;
      while (System.nanoTime() < until) {
        byte[] heartbeat = b.readRawFrame(4000);
        assertArrayEquals(new byte[0], heartbeat, "a heartbeat, and the link still open");
        b.writeRaw(new byte[] {0}); // the echo: a complete empty frame
        echoed++;
      }
      assertTrue(echoed >= 3, echoed + " heartbeats echoed");
      assertTrue(node.core().registry().cached("trickle-dev1").online(), "registered all along");
    }
  }

  private Socket upgraded() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress("127.0.0.3", 0));
    s.connect(new InetSocketAddress("127.0.0.1", node.port("ws")), 3000);
    s.getOutputStream().write(("GET /ws/id HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(3000);
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertTrue(b >= 0, "upgrade answered");
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
    return s;
  }

  /** A masked client frame (RFC 6455 §5.2) with a short payload. */
  private static byte[] frame(int opcode, boolean fin, byte[] payload) {
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    byte[] out = new byte[2 + 4 + payload.length];
    out[0] = (byte) ((fin ? 0x80 : 0) | opcode);
    out[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, out, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      out[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return out;
  }

  /** True when the server ends the connection within {@code millis}; what it sends is dropped. */
  private static boolean closedWithin(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    try {
      while (s.getInputStream().read(new byte[4096]) >= 0) {
        // pongs
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
