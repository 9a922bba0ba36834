package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.Streams;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Garbage, oversized frames, silent connections and a client that stops reading. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RelayHostileTest {

  static final int HIGH_WATER = 256 * 1024;
  static final int READ_BUFFER = 256 * 1024;

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject().put("relay",
        new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0)
            .put("firstMessageTimeoutSeconds", 1).put("pairTimeoutSeconds", 5)
            .put("writeHighWaterMark", HIGH_WATER).put("readBufferSize", READ_BUFFER)))));
    key = node.core().keys().validationKey().orElseThrow();
    port = node.port("relay");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static void assertClosedPromptly(byte[] firstBytes, String what) throws IOException {
    try (RelayClient c = new RelayClient(port)) {
      c.write(firstBytes);
      long t0 = System.nanoTime();
      assertEquals(0, c.awaitClose(3000), what + ": closed without a reply");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 700, what + ": closed after " + ms + " ms, before the first-message timeout");
    }
  }

  @Test
  void garbageAndWrongFirstMessagesAreClosed() throws Exception {
    assertClosedPromptly(FrameCodec.encode(new byte[] {(byte) 0xff, 0x01, 0x02, 0x03, 0x04}), "garbage payload");
    assertClosedPromptly("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "HTTP request");
    assertClosedPromptly(FrameCodec.encode(new byte[0]), "empty frame");
    // a valid RendezvousMessage that is not a RequestRelay (RegisterPeer{id: "1"})
    assertClosedPromptly(FrameCodec.encode(new byte[] {0x32, 0x03, 0x0a, 0x01, 0x31}), "not a RequestRelay");
  }

  @Test
  void oversizedFramesAreClosedFromTheHeaderAlone() throws Exception {
    assertClosedPromptly(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, "1 GiB header");
    assertClosedPromptly(FrameCodec.header(1 << 20), "1 MiB header (limit 16 KiB)");
  }

  /** MB/s of one fresh pair moving {@code total} bytes one way, verified. */
  static double pairThroughput(long total, long seed) throws Exception {
    String u = UUID.randomUUID().toString();
    try (RelayClient c = new RelayClient(port).request(u, key);
         RelayClient d = new RelayClient(port).request(u, key)) {
      long t0 = System.nanoTime();
      CompletableFuture<Void> send = CompletableFuture.runAsync(
          () -> RelayPairingTest.unchecked(() -> Streams.send(c.out(), seed, total)));
      d.socket.setSoTimeout(20_000);
      assertNull(Streams.verify(d.in(), seed, total));
      send.get(10, TimeUnit.SECONDS);
      return total / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * Noise on a shared 2-core box swings single runs; a session starved by the hostile clients
   * would fall far below this share of the baseline.
   */
  static final double KEEPS_THROUGHPUT = 0.4;

  @Test
  void twoThousandSilentConnectionsAreClosedAtTheTimeoutWhileNewPairsWork() throws Exception {
    pairThroughput(32L << 20, 1); // warm-up
    double baseline = pairThroughput(64L << 20, 2);
    List<Socket> silent = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      for (int i = 0; i < 2000; i++) {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0." + (10 + i % 4), 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
        silent.add(s);
      }
      // meanwhile a real pair is served at once, at its usual speed
      String u = UUID.randomUUID().toString();
      try (RelayClient a = new RelayClient(port).request(u, key);
           RelayClient b = new RelayClient(port).request(u, key)) {
        a.write("through".getBytes(StandardCharsets.UTF_8));
        assertEquals("through", new String(b.read(7, 2000), StandardCharsets.UTF_8));
      }
      double during = pairThroughput(64L << 20, 3);
      assertTrue(during > KEEPS_THROUGHPUT * baseline,
          "with 2000 silent connections open: " + during + " MB/s, alone " + baseline + " MB/s");
      int closed = 0;
      for (Socket s : silent) {
        s.setSoTimeout(Math.max(1, (int) (4000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))));
        try {
          if (s.getInputStream().read() < 0) {
            closed++;
          }
        } catch (java.net.SocketTimeoutException e) {
          break;
        } catch (IOException reset) {
          closed++;
        }
      }
      assertEquals(2000, closed, "every silent connection closed by the first-message timeout");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 4000, "all closed after " + ms + " ms");
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void aReaderThatStopsKeepsTheQueueBoundedAndOtherSessionsKeepTheirThroughput() throws Exception {
    pairThroughput(32L << 20, 1); // warm-up
    double baseline = pairThroughput(128L << 20, 2);
    String stuck = UUID.randomUUID().toString();
    try (RelayClient a = new RelayClient(port).request(stuck, key);
         RelayClient b = newSlowReader(stuck)) {
      RelayLimitsTest.Blaster blaster = new RelayLimitsTest.Blaster(a);
      assertEquals(1 << 20, b.read(1 << 20, 5000).length, "B reads the first MiB, then stops reading");

      // A is soon held back by TCP: what it has written stops growing
      long plateau = awaitPlateau(blaster);
      RelaySessions sessions = node.relay().sessions();
      RelaySessionInfo info = sessions.list().stream().filter(i -> i.uuid().equals(stuck))
          .findFirst().orElseThrow();
      long bound = HIGH_WATER + READ_BUFFER + 64 * 1024;
      assertTrue(info.pendingToSecond() <= bound,
          "queued for the stuck reader: " + info.pendingToSecond() + " B, bound " + bound);
      assertTrue(plateau < 64L << 20, "A was stopped after " + plateau + " bytes");

      // another pair moves 128 MiB at full speed meanwhile
      double mbPerS = pairThroughput(128L << 20, 9);
      assertTrue(mbPerS > KEEPS_THROUGHPUT * baseline && mbPerS > 50,
          "the other pair moved " + mbPerS + " MB/s, " + baseline + " MB/s without the stuck session");
      RelaySessionInfo again = sessions.list().stream().filter(i -> i.uuid().equals(stuck))
          .findFirst().orElseThrow();
      assertTrue(again.pendingToSecond() <= bound, "still bounded: " + again.pendingToSecond());
    }
  }

  /** B with a small receive buffer (no autotuning), so a stopped reader backs up quickly. */
  static RelayClient newSlowReader(String uuid) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(64 * 1024);
    s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
    RelayClient c = new RelayClient(s);
    c.request(uuid, key);
    return c;
  }

  static long awaitPlateau(RelayLimitsTest.Blaster blaster) throws InterruptedException {
    long last = -1;
    for (int i = 0; i < 40; i++) {
      Thread.sleep(250);
      long now = blaster.written.get();
      if (now == last) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("the sender was never held back: " + last + " bytes written");
  }
}
