package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bandwidth limits (docs/protocol.md §7.4) and the blacklist / blocklist files (§7.5). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayLimitsTest {

  static final double MB = 1024 * 1024 / 8.0; // bytes per second in one "Mb/s"

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject().put("relay",
        new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 8).put("limitSpeed", 2)
            .put("accessListPollMillis", 200)))));
    key = node.core().keys().validationKey().orElseThrow();
    port = node.port("relay");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @AfterEach
  void clearLists() throws IOException {
    Files.deleteIfExists(dataDir.resolve(AccessLists.BLACKLIST_FILE));
    Files.deleteIfExists(dataDir.resolve(AccessLists.BLOCKLIST_FILE));
  }

  /** A sender pushing as fast as it can from its own thread; counts what it wrote. */
  static final class Blaster extends Thread {
    final OutputStream out;
    final AtomicLong written = new AtomicLong();

    Blaster(RelayClient c) throws IOException {
      this.out = c.out();
      setDaemon(true);
      start();
    }

    @Override
    public void run() {
      byte[] chunk = new byte[16 * 1024];
      try {
        while (true) {
          out.write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException closed) {
        // test over
      }
    }
  }

  /** Bytes readable from {@code in} during {@code millis}. */
  static long drain(InputStream in, long millis) throws IOException {
    byte[] buf = new byte[65536];
    long n = 0;
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < end) {
      int r;
      try {
        r = in.read(buf);
      } catch (java.net.SocketTimeoutException quiet) {
        continue;
      }
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  static double measureMbps(RelayClient receiver, long warmMillis, long millis) throws IOException {
    receiver.socket.setSoTimeout(100);
    drain(receiver.in(), warmMillis);
    long t0 = System.nanoTime();
    long bytes = drain(receiver.in(), millis);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return bytes / seconds / MB;
  }

  @Test
  void aPerSessionLimitOf8MbitsHoldsWithinTenPercent() throws Exception {
    String u = UUID.randomUUID().toString();
    try (RelayClient a = new RelayClient(port).request(u, key);
         RelayClient b = new RelayClient(port).request(u, key)) {
      new Blaster(a);
      double mbps = measureMbps(b, 1000, 5000);
      assertTrue(Math.abs(mbps - 8) <= 0.8, "8 Mb/s limit, measured " + mbps + " Mb/s over 5 s");
    }
  }

  @Test
  void blacklistedAddressesGetLimitSpeed() throws Exception {
    Files.writeString(dataDir.resolve(AccessLists.BLACKLIST_FILE), "127.0.0.3 noisy office\n");
    awaitLists(l -> l.blacklisted("127.0.0.3"));
    String u = UUID.randomUUID().toString();
    try (RelayClient a = new RelayClient(port, "127.0.0.3").request(u, key);
         RelayClient b = new RelayClient(port).request(u, key)) {
      new Blaster(a);
      double mbps = measureMbps(b, 700, 2500);
      assertTrue(mbps > 1.6 && mbps < 2.4, "LIMIT_SPEED 2 Mb/s, measured " + mbps);
      RelaySessionInfo info = sessionOf(u);
      assertTrue(info.blacklisted());
    }
  }

  @Test
  void theBlocklistRefusesAtAcceptAndAFileChangeEndsARunningRelay() throws Exception {
    // mapped and plain forms are one address: the entry is written the IPv6 way
    Files.writeString(dataDir.resolve(AccessLists.BLOCKLIST_FILE), "::ffff:127.0.0.4\n# x\n");
    awaitLists(l -> l.blocked("127.0.0.4"));
    try (RelayClient blocked = new RelayClient(port, "127.0.0.4")) {
      assertEquals(0, blocked.awaitClose(2000), "refused at accept");
    }

    String u = UUID.randomUUID().toString();
    try (RelayClient a = new RelayClient(port, "127.0.0.5").request(u, key);
         RelayClient b = new RelayClient(port).request(u, key)) {
      a.write("before".getBytes(StandardCharsets.UTF_8));
      assertEquals("before", new String(b.read(6, 3000), StandardCharsets.UTF_8));
      Files.writeString(dataDir.resolve(AccessLists.BLOCKLIST_FILE), "127.0.0.5\n");
      long t0 = System.nanoTime();
      assertTrue(b.awaitClose(4000) >= 0, "relay ended after 127.0.0.5 was blocked");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 3000, "ended after " + ms + " ms");
    }

    // and once the file no longer lists it, 127.0.0.4 is served again
    Files.writeString(dataDir.resolve(AccessLists.BLOCKLIST_FILE), "10.9.9.9\n");
    awaitLists(l -> !l.blocked("127.0.0.4") && !l.blocked("127.0.0.5"));
    String v = UUID.randomUUID().toString();
    try (RelayClient a = new RelayClient(port, "127.0.0.4").request(v, key);
         RelayClient b = new RelayClient(port).request(v, key)) {
      a.write("again".getBytes(StandardCharsets.UTF_8));
      assertEquals("again", new String(b.read(5, 3000), StandardCharsets.UTF_8));
    }
  }

  static RelaySessionInfo sessionOf(String uuid) {
    return node.relay().sessions().list().stream()
        .filter(i -> i.uuid().equals(uuid)).findFirst().orElseThrow();
  }

  static void awaitLists(java.util.function.Predicate<AccessLists> ready) throws InterruptedException {
    AccessLists lists = node.relay().access();
    long end = System.currentTimeMillis() + 5000;
    while (!ready.test(lists)) {
      assertTrue(System.currentTimeMillis() < end, "access lists not reloaded in time");
      Thread.sleep(50);
    }
  }
}
