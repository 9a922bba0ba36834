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
import dev.vertdesk.testing.Streams;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

/** Pairing and forwarding (docs/protocol.md §7.1–§7.3) through a whole node on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayPairingTest {

  static final long BIG = 64L << 20;

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int port;
  static final BlockingQueue<JsonObject> opened = new LinkedBlockingQueue<>();
  static final BlockingQueue<JsonObject> closed = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject().put("relay",
        new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0)
            .put("firstMessageTimeoutSeconds", 1).put("pairTimeoutSeconds", 1)
            .put("idleTimeoutSeconds", 1)))));
    key = node.core().keys().validationKey().orElseThrow();
    port = node.port("relay");
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

  @Test
  void pairsAndRelays64MiBEachWayIncludingBytesSentBeforePairing() throws Exception {
    String u = uuid();
    // B arrives first and, as real clients do, sends its SignedId right behind the RequestRelay
    byte[] signedId = FrameCodec.encode("signed-id-from-B".getBytes(StandardCharsets.UTF_8));
    byte[] early = FrameCodec.encode("hello-from-A".getBytes(StandardCharsets.UTF_8));
    opened.clear();
    closed.clear();
    try (RelayClient b = Eventually.parked(node, () -> new RelayClient(port).request(u, key, signedId))) {
      try (RelayClient a = new RelayClient(port, "127.0.0.2").request(u, key, early)) {
        assertArrayEquals(signedId, a.read(signedId.length, 3000), "B's pre-pairing bytes reach A first");
        assertArrayEquals(early, b.read(early.length, 3000), "A's bytes behind its request reach B");

        JsonObject open = opened.poll(3, TimeUnit.SECONDS);
        assertNotNull(open, "session opened event");
        assertEquals(u, open.getString("uuid"));
        assertTrue(open.getString("first").startsWith("127.0.0.1:"), open.encode());
        assertTrue(open.getString("second").startsWith("127.0.0.2:"), open.encode());

        CompletableFuture<Void> aSends = CompletableFuture.runAsync(() -> unchecked(() -> Streams.send(a.out(), 1, BIG)));
        CompletableFuture<Void> bSends = CompletableFuture.runAsync(() -> unchecked(() -> Streams.send(b.out(), 2, BIG)));
        CompletableFuture<String> bReads = CompletableFuture.supplyAsync(() -> unchecked(() -> Streams.verify(b.in(), 1, BIG)));
        b.socket.setSoTimeout(20_000);
        a.socket.setSoTimeout(20_000);
        assertNull(Streams.verify(a.in(), 2, BIG), "B → A intact and in order");
        assertNull(bReads.get(30, TimeUnit.SECONDS), "A → B intact and in order");
        aSends.get(5, TimeUnit.SECONDS);
        bSends.get(5, TimeUnit.SECONDS);

        RelaySessions sessions = node.relay().sessions();
        List<RelaySessionInfo> live = sessions.list();
        RelaySessionInfo info = live.stream().filter(i -> i.uuid().equals(u)).findFirst().orElseThrow();
        assertEquals(BIG + signedId.length, info.bytesFirstToSecond());
        assertEquals(BIG + early.length, info.bytesSecondToFirst());
        assertTrue(info.startedMillis() <= System.currentTimeMillis());
      }
      // A hung up: the relay closes B too
      assertTrue(b.awaitClose(3000) >= 0, "B closed after A left");
    }
    JsonObject end = closed.poll(3, TimeUnit.SECONDS);
    assertNotNull(end, "session closed event");
    assertEquals(u, end.getString("uuid"));
    assertEquals(BIG + signedId.length, end.getLong("bytesFirstToSecond"));
    assertEquals(BIG + early.length, end.getLong("bytesSecondToFirst"));
  }

  @Test
  void aThirdConnectionWithTheSameUuidGetsNothingAndExpires() throws Exception {
    String u = uuid();
    try (RelayClient a = new RelayClient(port).request(u, key);
         RelayClient b = new RelayClient(port).request(u, key)) {
      a.write("ping".getBytes(StandardCharsets.UTF_8));
      assertEquals("ping", new String(b.read(4, 3000), StandardCharsets.UTF_8));
      try (RelayClient c = new RelayClient(port).request(u, key)) {
        a.write("pong".getBytes(StandardCharsets.UTF_8));
        assertEquals("pong", new String(b.read(4, 3000), StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        assertEquals(0, c.awaitClose(4000), "the third gets no byte, then is dropped at the pair timeout");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms > 700, "closed after " + ms + " ms");
      }
      b.write("still".getBytes(StandardCharsets.UTF_8));
      assertEquals("still", new String(a.read(5, 3000), StandardCharsets.UTF_8), "the pair is unaffected");
    }
  }

  @Test
  void wrongOrMissingKeyIsClosedWithoutReply() throws Exception {
    String u = uuid();
    try (RelayClient a = new RelayClient(port).request(u, "OeVuKk5nlHiXp+APNn0Y3pC1Iwpwn44JGqrQCsWqmBw=");
         RelayClient b = new RelayClient(port).request(u, "")) {
      assertEquals(0, a.awaitClose(3000), "wrong key: closed, nothing sent");
      assertEquals(0, b.awaitClose(3000), "no key: closed, nothing sent");
    }
    assertEquals(0, node.relay().sessions().waiting(), "neither waits");
  }

  @Test
  void emptyUuidIsClosed() throws Exception {
    try (RelayClient a = new RelayClient(port).request("", key)) {
      assertEquals(0, a.awaitClose(3000));
    }
  }

  @Test
  void unpairedWaiterIsClosedAtThePairTimeout() throws Exception {
    try (RelayClient a = new RelayClient(port).request(uuid(), key)) {
      long t0 = System.nanoTime();
      assertEquals(0, a.awaitClose(4000));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms > 700 && ms < 3000, "closed after " + ms + " ms (timeout 1 s)");
    }
  }

  @Test
  void idleSessionIsClosed() throws Exception {
    String u = uuid();
    closed.clear();
    try (RelayClient a = new RelayClient(port).request(u, key);
         RelayClient b = new RelayClient(port).request(u, key)) {
      a.write(new byte[] {1, 2, 3});
      assertEquals(3, b.read(3, 3000).length);
      long t0 = System.nanoTime();
      assertEquals(0, a.awaitClose(5000), "A closed when idle");
      assertEquals(0, b.awaitClose(1000), "B closed when idle");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms > 700 && ms < 3500, "closed after " + ms + " ms of silence (timeout 1 s)");
    }
    JsonObject end = closed.poll(3, TimeUnit.SECONDS);
    assertNotNull(end);
    assertEquals("idle", end.getString("reason"));
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAtTheFirstMessageTimeout() throws Exception {
    try (RelayClient a = new RelayClient(port)) {
      long t0 = System.nanoTime();
      assertEquals(0, a.awaitClose(4000));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms > 700 && ms < 3000, "closed after " + ms + " ms (timeout 1 s)");
    }
  }

  interface IoCall<T> {
    T call() throws Exception;
  }

  interface IoRun {
    void run() throws Exception;
  }

  static <T> T unchecked(IoCall<T> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void unchecked(IoRun r) {
    try {
      r.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
