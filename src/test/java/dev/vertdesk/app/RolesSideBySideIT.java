package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.JarProcess;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split units' two roles on one host, as vertdesk-id.service and vertdesk-relay.service run
 * them: {@code vertdesk hbbs} and {@code vertdesk hbbr} with the same base port and data
 * directory both start, bind disjoint ports (each its own admin port) and answer ready.
 *
 * <p>The roles derive their ports from one base port, which is the property under test, so this
 * test cannot let the kernel pick ports: it looks for a base whose seven ports are free on
 * 127.0.0.1 and retries with another if a port was taken in between.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RolesSideBySideIT {

  @TempDir
  Path dataDir;

  private static boolean free(int base) {
    List<AutoCloseable> held = new ArrayList<>();
    try {
      InetAddress lo = InetAddress.getLoopbackAddress();
      for (int p = base - 1; p <= base + 5; p++) {
        ServerSocket s = new ServerSocket();
        held.add(s);
        s.bind(new InetSocketAddress(lo, p));
      }
      held.add(new DatagramSocket(new InetSocketAddress(lo, base)));
      return true;
    } catch (IOException taken) {
      return false;
    } finally {
      for (AutoCloseable c : held) {
        try {
          c.close();
        } catch (Exception ignored) {
          // closing a probe socket
        }
      }
    }
  }

  private static int readyStatus(HttpClient http, int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void hbbsAndHbbrStartSideBySideOnDisjointPorts() throws Exception {
    Random random = new Random();
    for (int attempt = 0; attempt < 5; attempt++) {
      int base = 20_000 + 10 * random.nextInt(1_200); // below the kernel's ephemeral range
      if (!free(base)) {
        continue;
      }
      Map<String, String> env = Map.of("PORT", Integer.toString(base), "VERTDESK_DATA_DIR", dataDir.toString());
      try (JarProcess hbbs = JarProcess.start(List.of("hbbs", "-b", "127.0.0.1"), env, dataDir)) {
        Map<String, Integer> idPorts = hbbs.awaitStarted(120_000);
        // the relay unit starts after the ID server's (After=), which wrote the key pair
        try (JarProcess hbbr = JarProcess.start(List.of("hbbr", "-b", "127.0.0.1"), env, dataDir)) {
          Map<String, Integer> relayPorts;
          try {
            relayPorts = hbbr.awaitStarted(120_000);
          } catch (AssertionError e) {
            boolean collidesWithHbbs = idPorts.values().stream()
                .anyMatch(p -> hbbr.output().contains("cannot bind 127.0.0.1:" + p + ":"));
            if (hbbr.output().contains("Address already in use") && !collidesWithHbbs) {
              continue; // another process took one of the ports meanwhile: another base
            }
            throw e;
          }
          assertEquals(Map.of("udp", base, "signaling", base, "nat", base - 1, "ws", base + 2, "api", base - 2, "admin", base + 4),
              idPorts, hbbs.output());
          assertEquals(Map.of("relay", base + 1, "wsrelay", base + 3, "admin", base + 5), relayPorts, hbbr.output());
          Set<Integer> shared = new TreeSet<>(new HashSet<>(idPorts.values()));
          shared.retainAll(new HashSet<>(relayPorts.values()));
          shared.remove(base); // UDP and TCP share the number, both in hbbs
          assertEquals(Set.of(), shared, "no TCP port is bound by both roles");

          HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
          assertEquals(200, readyStatus(http, base + 4), "hbbs ready:\n" + hbbs.output());
          assertEquals(200, readyStatus(http, base + 5), "hbbr ready:\n" + hbbr.output());
          for (String role : List.of("hbbs", "hbbr")) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-jar", Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath()
                .toString(), "healthcheck", role).redirectErrorStream(true).directory(dataDir.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_") || k.equals("PORT"));
            pb.environment().putAll(env);
            Process check = pb.start();
            String out = new String(check.getInputStream().readAllBytes());
            assertTrue(check.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), "healthcheck " + role + ": " + out);
          }
          assertTrue(hbbs.process.isAlive() && hbbr.process.isAlive(), "both keep running");
          return;
        }
      }
    }
    throw new AssertionError("no free base port found on 127.0.0.1 in 5 attempts");
  }
}
