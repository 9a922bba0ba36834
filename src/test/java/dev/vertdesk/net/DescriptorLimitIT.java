package dev.vertdesk.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.TestNatRequest;
import dev.vertdesk.testing.JarProcess;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar in a process that may open only 400 descriptors, flooded with more connections
 * than that on several ports: with the default limits (derived from the open-file limit) it never
 * runs out of descriptors and keeps serving UDP, the admin port and, once the flood ends, TCP; with
 * a node-wide limit set above what the process can hold, failures to accept are logged once per
 * listener and interval, with a count, not once a second by Netty.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DescriptorLimitIT {

  static final int OPEN_FILES = 400;
  static final int FLOOD = 500;

  @TempDir
  Path dataDir;

  private static List<Socket> flood(int port) throws IOException {
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < FLOOD; i++) {
      Socket s = new Socket();
      s.bind(new InetSocketAddress("127.0.0." + (2 + i % 4), 0)); // a few addresses, each under maxPerIp
      s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
      sockets.add(s);
    }
    return sockets;
  }

  private static void close(List<Socket> sockets) throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }

  private static long count(JarProcess p, String text) {
    return p.lines.stream().filter(l -> l.contains(text)).count();
  }

  /** Lines one kind of message may take since {@code startNanos}: one per logging interval begun. */
  private static long linesAllowedSince(long startNanos) {
    return 1 + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) / ConnectionLimiter.LOG_INTERVAL_MILLIS;
  }

  /** The whole response. */
  private static String get(int port, String path) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static double metric(int adminPort, String series) throws IOException {
    for (String line : get(adminPort, "/metrics").split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no " + series + " in /metrics");
  }

  private static RegisterPkResponse.Result register(int udpPort, String id) throws IOException {
    try (UdpDevice device = new UdpDevice(id, id.getBytes(), new byte[32], udpPort, "127.0.0.8")) {
      device.socket.setSoTimeout(5000);
      return device.registerPk();
    }
  }

  private static void assertServesTcp(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // Netty may pause accepting for a second
    while (true) {
      try (TcpClient c = new TcpClient(port, "127.0.0.9")) {
        c.send(RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder().setSerial(1)).build());
        RendezvousMessage answer = c.read(2000);
        if (answer != null) {
          assertEquals(UnionCase.TEST_NAT_RESPONSE, answer.getUnionCase());
          return;
        }
      } catch (IOException refused) {
        // not yet
      }
      assertTrue(System.nanoTime() < deadline, "signaling serves again after the flood");
      Thread.sleep(100);
    }
  }

  @Test
  void withTheDerivedLimitTheNodeNeverRunsOutOfDescriptors() throws Exception {
    try (JarProcess p = JarProcess.startWithOpenFileLimit(JarProcess.loopbackConf(dataDir), OPEN_FILES)) {
      Map<String, Integer> ports = p.awaitStarted(60_000);
      assertTrue(p.awaitLine("in all on the public ports (open-file limit " + OPEN_FILES + ")", 1000), p.output());
      // the first registration and readiness check of a fresh JVM are slow: not what is measured
      assertEquals(RegisterPkResponse.Result.OK, register(ports.get("udp"), "444000110"));
      assertTrue(get(ports.get("admin"), "/health/ready").startsWith("HTTP/1.1 200 OK"));

      List<Socket> held = new ArrayList<>();
      long floodNanos = System.nanoTime();
      for (String listener : List.of("signaling", "relay", "ws")) {
        held.addAll(flood(ports.get(listener)));
      }
      assertEquals(RegisterPkResponse.Result.OK, register(ports.get("udp"), "444000111"),
          "UDP registration goes on:\n" + p.output());
      assertTrue(get(ports.get("admin"), "/health/ready").startsWith("HTTP/1.1 200 OK"), "ready, store included");
      assertTrue(p.awaitLine("signaling: refused a connection from", 5000), p.output());
      close(held);
      assertServesTcp(ports.get("signaling"));

      assertEquals(0, count(p, "Too many open files"), "never out of descriptors:\n" + p.output());
      for (String listener : List.of("signaling", "relay", "ws")) {
        long lines = count(p, listener + ": refused a connection from");
        assertTrue(lines >= 1 && lines <= linesAllowedSince(floodNanos), listener + ": " + lines
            + " lines for " + FLOOD + " refusals:\n" + p.output());
      }
    }
  }

  @Test
  void failuresToAcceptAreLoggedOncePerIntervalWithACount() throws Exception {
    JsonObject conf = JarProcess.loopbackConf(dataDir).put("connections", new JsonObject().put("maxTotal", 5000));
    try (JarProcess p = JarProcess.startWithOpenFileLimit(conf, OPEN_FILES)) {
      Map<String, Integer> ports = p.awaitStarted(60_000);
      assertTrue(p.awaitLine("connections.maxTotal 5000 leaves no room below this process's open-file limit", 1000),
          p.output());
      List<Socket> held = new ArrayList<>();
      long floodNanos = System.nanoTime();
      for (String listener : List.of("signaling", "relay", "ws")) {
        held.addAll(flood(ports.get(listener)));
        assertTrue(p.awaitLine(listener + ": cannot accept connections", 5000), p.output());
      }
      // An observation window, not a wait for an event: Netty retries the accept every second
      // while the descriptors are held, and each failure used to be a line of its own.
      Thread.sleep(2500);
      close(held);
      assertServesTcp(ports.get("signaling"));

      for (String listener : List.of("signaling", "relay", "ws")) {
        long lines = count(p, listener + ": cannot accept connections: ");
        assertTrue(lines >= 1 && lines <= linesAllowedSince(floodNanos), listener + ": " + lines + " lines:\n"
            + p.output());
      }
      assertEquals(0, count(p, "reached at the tail of the pipeline"), "Netty's own line is gone:\n" + p.output());
      double failures = metric(ports.get("admin"), "vertdesk_connections_accept_failures_total{listener=\"signaling\"}");
      assertTrue(failures >= 2, failures + " failed accepts on signaling, counted, in one line");
    }
  }
}
