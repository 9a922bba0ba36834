package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.JarProcess;
import dev.vertdesk.testing.RelayClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged jar drains: the relay refuses new connections at once, the live session
 * keeps flowing, and the process exits when the drain deadline closes it; without live sessions
 * it reports not ready for drainGraceSeconds, then exits.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayDrainIT {

  @TempDir
  Path dataDir;

  @Test
  void sigtermLetsTheLiveSessionFinishUpToTheDeadline() throws Exception {
    JsonObject conf = JarProcess.loopbackConf(dataDir).put("drainTimeoutSeconds", 6);
    conf.getJsonObject("verticles").getJsonObject("relay").getJsonObject("config")
        .put("totalBandwidth", 0).put("singleBandwidth", 0);
    try (JarProcess p = JarProcess.start(conf)) {
      Map<String, Integer> ports = p.awaitStarted(60_000);
      int relay = ports.get("relay");
      String key = Files.readString(dataDir.resolve("id_ed25519.pub")).trim();
      String u = UUID.randomUUID().toString();
      try (RelayClient a = new RelayClient(relay).request(u, key);
           RelayClient b = new RelayClient(relay, "127.0.0.2").request(u, key)) {
        exchange(a, b, 1024);

        long t0 = System.nanoTime();
        p.sigterm();
        assertTrue(p.awaitLine("draining (shutdown)", 5000), p.output());
        assertTrue(refused(relay), "no new relay connection once draining:\n" + p.output());
        for (int i = 0; i < 4; i++) {
          exchange(a, b, 64 * 1024);
          Thread.sleep(400);
        }
        assertTrue(p.process.isAlive(), "still serving the live session");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5800, "still before the deadline");

        assertTrue(a.awaitClose(10_000) >= 0, "closed at the deadline");
        assertTrue(p.awaitExit(20_000), "the process exits after the drain:\n" + p.output());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 5500, "not before the deadline: " + ms + " ms");
        assertEquals(143, p.process.exitValue(), p.output());
        assertTrue(p.output().contains("drain deadline reached"), p.output());
        assertTrue(p.output().contains("relay drain deadline: closing 2 connections"), p.output());
      }
    }
  }

  @Test
  void sigtermWithoutLiveSessionsReportsNotReadyForTheGraceThenStops() throws Exception {
    JsonObject conf = JarProcess.loopbackConf(dataDir).put("drainTimeoutSeconds", 60).put("drainGraceSeconds", 3);
    try (JarProcess p = JarProcess.start(conf)) {
      Map<String, Integer> ports = p.awaitStarted(60_000);
      URI ready = URI.create("http://127.0.0.1:" + ports.get("admin") + "/health/ready");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      assertEquals(200, status(http, ready), "ready before");
      long t0 = System.nanoTime();
      p.sigterm();
      assertTrue(p.awaitLine("not ready meanwhile", 5000), p.output());
      // a load balancer's probe sees the node go before it is gone
      assertEquals(503, status(http, ready), "not ready during the grace period");
      assertTrue(refused(ports.get("relay")), "no new relay connection once draining");
      assertTrue(p.process.isAlive(), "still up within the grace period");
      assertTrue(p.awaitExit(20_000), p.output());
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms >= 2900, "not before the grace period is over: " + ms + " ms");
      assertTrue(ms < 10_000, "no wait beyond the grace without sessions: " + ms + " ms");
      assertEquals(143, p.process.exitValue(), p.output());
      assertTrue(p.output().contains("drained: no live relay sessions"), p.output());
      assertFalse(p.output().contains("drain deadline reached"), p.output());
    }
  }

  private static int status(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void exchange(RelayClient a, RelayClient b, int n) throws IOException {
    byte[] ab = new byte[n];
    byte[] ba = new byte[n];
    ThreadLocalRandom.current().nextBytes(ab);
    ThreadLocalRandom.current().nextBytes(ba);
    a.write(ab);
    assertArrayEquals(ab, b.read(n, 5000), "A → B");
    b.write(ba);
    assertArrayEquals(ba, a.read(n, 5000), "B → A");
  }

  private static boolean refused(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 2000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      } catch (ConnectException e) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
