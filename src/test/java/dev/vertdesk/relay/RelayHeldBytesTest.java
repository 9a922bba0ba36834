package dev.vertdesk.relay;

import dev.vertdesk.testing.RelayClient;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What relay connections hold counts towards the node's cap ({@code maxHeldBytes}, 4 MiB here):
 * unfinished WebSocket messages, a TCP frame being re-framed for a WebSocket end, large messages
 * queued for a client that does not read, what comes before pairing. Over the cap the largest
 * holder is closed ("try again later"), counted and logged; the others go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayHeldBytesTest {

  static final int MIB = 1 << 20;
  static final int CAP = 4 * MIB;
  static final int MAX_MESSAGE = 3 * MIB;

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int tcpPort;
  static int wsPort;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.startWithMetrics(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0).put("maxHeldBytes", CAP)))
        .put("wsrelay", new JsonObject().put("config", new JsonObject().put("maxMessageSize", MAX_MESSAGE)))),
        Map.of());
    key = node.core().keys().validationKey().orElseThrow();
    tcpPort = node.port("relay");
    wsPort = node.port("wsrelay");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static HeldBytes held() {
    return node.relay().heldBytes();
  }

  /** Every test leaves nothing held once its connections are gone. */
  @AfterEach
  void nothingIsLeftHeld() throws Exception {
    awaitHeld(n -> n == 0, "nothing held after the test");
  }

  static long awaitHeld(LongPredicate ok, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long n = held().total();
    while (!ok.test(n)) {
      assertTrue(System.nanoTime() < end, what + ": " + n + " bytes held");
      Thread.sleep(10);
      n = held().total();
    }
    return n;
  }

  /** A WebSocket end paired with a TCP end, from two loopback addresses. */
  record MixedPair(RawWsClient ws, RelayClient tcp) implements AutoCloseable {
    static MixedPair open(int n) throws Exception {
      String u = UUID.randomUUID().toString();
      RawWsClient ws = new RawWsClient(wsPort, "127.0.5." + n).request(u, key);
      RelayClient tcp = new RelayClient(tcpPort, "127.0.6." + n).request(u, key);
      ws.send(new byte[] {1});
      assertArrayEquals(FrameCodec.encode(new byte[] {1}), tcp.read(2, 3000), "paired");
      return new MixedPair(ws, tcp);
    }

    /** {@code count} fragments of {@code size} bytes filled with {@code fill}, the message left open. */
    void fragments(int count, int size, byte fill, boolean first) throws IOException {
      byte[] b = new byte[size];
      Arrays.fill(b, fill);
      for (int i = 0; i < count; i++) {
        ws.frame(first && i == 0 ? RawWsClient.BINARY : RawWsClient.CONTINUATION, false, b, 0, size);
      }
    }

    @Override
    public void close() throws Exception {
      ws.close();
      tcp.close();
    }
  }

  @Test
  void anUnfinishedMessageIsHeldCountedAndForwardedWholeWhenItEnds() throws Exception {
    try (MixedPair p = MixedPair.open(1)) {
      p.fragments(6, 256 * 1024, (byte) 7, true);
      awaitHeld(n -> n >= 6 * 256 * 1024, "six fragments held");
      p.ws().frame(RawWsClient.CONTINUATION, true, new byte[] {9}, 0, 1);
      int size = 6 * 256 * 1024 + 1;
      byte[] header = FrameCodec.header(size);
      byte[] got = p.tcp().read(header.length + size, 5000);
      assertEquals(header.length + size, got.length, "one frame with the whole message");
      assertArrayEquals(header, Arrays.copyOf(got, header.length));
      assertEquals(7, got[header.length]);
      assertEquals(9, got[got.length - 1]);
      awaitHeld(n -> n == 0, "nothing held once it went");
    }
  }

  @Test
  void manySmallFragmentsArePackedNotKeptOneByOne() throws Exception {
    try (MixedPair p = MixedPair.open(2)) {
      p.fragments(20_000, 10, (byte) 3, true); // 200 000 bytes in 20 000 frames
      long n = awaitHeld(h -> h >= 200_000, "small fragments held");
      assertTrue(n < 200_000 + 64 * 1024 + 256 * 1024, "packed into a few 64 KiB pieces: " + n + " bytes held");
      p.ws().frame(RawWsClient.CONTINUATION, true, new byte[0], 0, 0);
      byte[] header = FrameCodec.header(200_000);
      byte[] got = p.tcp().read(header.length + 200_000, 5000);
      assertEquals(header.length + 200_000, got.length);
      assertEquals(3, got[got.length - 1]);
    }
  }

  @Test
  void overTheCapTheLargestHolderIsClosedAndTheOthersGoOn() throws Exception {
    long before = held().closes(HeldBytes.Limit.NODE);
    try (MixedPair big = MixedPair.open(3); MixedPair mid = MixedPair.open(4); MixedPair late = MixedPair.open(5)) {
      big.fragments(10, 256 * 1024, (byte) 1, true); // 2.5 MiB
      awaitHeld(n -> n >= 10 * 256 * 1024, "the big one holds");
      mid.fragments(1, MIB, (byte) 2, true);         // 3.5 MiB
      awaitHeld(n -> n >= 14 * 256 * 1024, "the middle one holds");
      late.fragments(1, MIB, (byte) 3, true);        // 4.5 MiB: over
      assertNull(big.ws().read(5000), "the largest holder is closed");
      assertEquals(1013, big.ws().closeStatus, "try again later");
      assertTrue(big.tcp().awaitClose(3000) >= 0, "its partner too");
      assertEquals(before + 1, held().closes(HeldBytes.Limit.NODE));

      // the two others finish their messages
      mid.ws().frame(RawWsClient.CONTINUATION, true, new byte[] {2}, 0, 1);
      late.ws().frame(RawWsClient.CONTINUATION, true, new byte[] {3}, 0, 1);
      byte[] header = FrameCodec.header(MIB + 1);
      assertEquals(header.length + MIB + 1, mid.tcp().read(header.length + MIB + 1, 5000).length);
      assertEquals(header.length + MIB + 1, late.tcp().read(header.length + MIB + 1, 5000).length);
      Map<String, Double> m = scrape(node);
      assertEquals(CAP, m.get("vertdesk_relay_held_max_bytes"));
      assertEquals(before + 1, m.get("vertdesk_relay_held_closes_total{limit=\"node\"}"));
    }
  }

  @Test
  void aTcpFrameReframedForAWebSocketEndCountsUntilItIsWhole() throws Exception {
    try (MixedPair p = MixedPair.open(6)) {
      int size = 2 * MIB;
      byte[] header = FrameCodec.header(size);
      p.tcp().write(header);
      p.tcp().write(new byte[MIB]);
      awaitHeld(n -> n >= MIB, "half a frame held by the re-framer");
      p.tcp().write(new byte[MIB]);
      byte[] got = p.ws().read(5000);
      assertEquals(size, got.length, "one WebSocket message");
    }
  }

  @Test
  void largeMessagesQueuedForAClientThatDoesNotReadCount() throws Exception {
    String u = UUID.randomUUID().toString();
    try (RawWsClient reader = new RawWsClient(wsPort, "127.0.5.7", 16 * 1024).request(u, key);
         RawWsClient sender = new RawWsClient(wsPort, "127.0.5.8").request(u, key)) {
      byte[] message = new byte[MIB];
      java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < 12; i++) {
            sender.send(message); // what the socket buffers do not take queues in the relay
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      awaitHeld(n -> n >= MIB, "a queued message counts");
    }
  }

  @Test
  void theWriteQueueOfATcpClientThatDoesNotReadCounts() throws Exception {
    String u = UUID.randomUUID().toString();
    java.net.Socket small = new java.net.Socket();
    small.setReceiveBufferSize(16 * 1024);
    small.bind(new java.net.InetSocketAddress("127.0.6.20", 0));
    small.connect(new java.net.InetSocketAddress("127.0.0.1", tcpPort), 2000);
    try (RelayClient reader = new RelayClient(small).request(u, key);
         RelayClient sender = new RelayClient(tcpPort, "127.0.6.21").request(u, key)) {
      java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          byte[] chunk = new byte[64 * 1024];
          for (int i = 0; i < 256; i++) {
            sender.write(chunk); // 16 MiB at most: the relay stops reading it long before
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      awaitHeld(n -> n >= 256 * 1024, "the stalled queue past the high-water mark counts");
      assertTrue(held().total() <= CAP, "and stays within the cap: " + held().total());
    }
  }

  @Test
  void tooMuchBeforePairingAndTooBigMessagesAreCounted() throws Exception {
    long prePair = held().closes(HeldBytes.Limit.PRE_PAIR);
    long message = held().closes(HeldBytes.Limit.MESSAGE);
    try (RawWsClient first = new RawWsClient(wsPort, "127.0.5.9")) {
      first.send(new byte[2 * MIB]); // a first message far over the RequestRelay's size
      assertNull(first.read(5000));
      assertEquals(prePair + 1, held().closes(HeldBytes.Limit.PRE_PAIR));
    }
    try (MixedPair p = MixedPair.open(10)) {
      p.fragments(13, 256 * 1024, (byte) 0, true); // 3.25 MiB in fragments: past maxMessageSize
      assertNull(p.ws().read(5000));
      assertEquals(1009, p.ws().closeStatus);
      assertEquals(message + 1, held().closes(HeldBytes.Limit.MESSAGE));
    }
  }

  /** The node's {@code /metrics} as {@code series → value}. */
  static Map<String, Double> scrape(TestNode node) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String body = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + node.port("admin") + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new java.util.HashMap<>();
    for (String line : body.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int sp = line.lastIndexOf(' ');
        out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
      }
    }
    return out;
  }
}
