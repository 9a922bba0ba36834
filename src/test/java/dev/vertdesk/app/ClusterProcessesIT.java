package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-process check of README: two {@code java -jar vertdesk.jar -cluster} nodes on
 * loopback; a device registered over UDP on the first is punched through the second. And when
 * the first hangs (SIGSTOP: no goodbye, its sockets stay open), punches through the second are
 * answered OFFLINE within the request timeout instead of waiting for Hazelcast to notice.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterProcessesIT {

  private static final Pattern PORTS = Pattern.compile("started .*\\{(.*)}");

  @TempDir
  Path dataDir;

  private static JsonObject nodeConf(Path dataDir, String cluster, int hazelcastPort, List<String> enabled) {
    JsonObject verticles = new JsonObject();
    for (String name : dev.vertdesk.config.NodeConfig.BUILT_IN) {
      verticles.put(name, new JsonObject().put("enabled", enabled.contains(name))
          .put("config", new JsonObject().put("port", 0)));
    }
    return new JsonObject().put("dataDir", dataDir.toString()).put("bind", "127.0.0.1")
        .put("drainGraceSeconds", 0)
        .put("cluster", new JsonObject().put("name", cluster).put("port", hazelcastPort)
            .put("portCount", 10).put("joinWaitSeconds", 0))
        .put("verticles", verticles);
  }

  private record Node(Process process, Map<String, Integer> ports) {
  }

  private Node launch(JsonObject conf) throws Exception {
    String jar = System.getProperty("vertdesk.jar", "target/vertdesk.jar");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar, "-conf", conf.encode(), "-cluster", "-cluster-host", "127.0.0.1");
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_") || List.of("PORT", "KEY", "BIND",
        "RELAY_SERVERS", "DB_URL", "MASK", "RMEM", "ALWAYS_USE_RELAY", "LOCAL_IP").contains(k.toUpperCase()));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = out.readLine()) != null) {
      lines.add(line);
      Matcher m = PORTS.matcher(line);
      if (m.find()) {
        Map<String, Integer> ports = new HashMap<>();
        for (String entry : m.group(1).split(",\\s*")) {
          String[] kv = entry.split("=");
          ports.put(kv[0], Integer.parseInt(kv[1]));
        }
        // keep draining its output so the process never blocks on a full pipe
        Thread drain = new Thread(() -> {
          try {
            out.transferTo(java.io.Writer.nullWriter());
          } catch (java.io.IOException ignored) {
            // the process ended
          }
        });
        drain.setDaemon(true);
        drain.start();
        return new Node(p, ports);
      }
    }
    throw new AssertionError("node did not start:\n" + String.join("\n", lines));
  }

  private String cluster;
  private int hazelcastPort;

  /** The first of two nodes on one data directory, in a cluster of its own: UDP registration and signaling. */
  private Node launchFirst() throws Exception {
    cluster = "vertdesk-it-" + UUID.randomUUID();
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    return launch(nodeConf(dataDir, cluster, hazelcastPort, List.of("udp", "signaling")));
  }

  /** The second: signaling only, so whatever reaches a device over UDP left from the first. */
  private Node launchSecond() throws Exception {
    return launch(nodeConf(dataDir, cluster, hazelcastPort, List.of("signaling")));
  }

  @Test
  void punchesForDevicesOnAHungNodeAreAnsweredOfflineWithinTheRequestTimeout() throws Exception {
    Node first = launchFirst();
    Node second = null;
    List<TcpClient> askers = new ArrayList<>();
    try {
      second = launchSecond();
      String key = Files.readString(dataDir.resolve("id_ed25519.pub")).trim();
      // several devices, so that some directory entries live in partitions the hung node owns
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String id = "80020" + (1000 + i);
        try (UdpDevice b = new UdpDevice(id, ("hung-" + i).getBytes(), Nacl.signKeyPair().publicKey(),
            first.ports().get("udp"), "127.0.0.2")) {
          assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
        }
        ids.add(id);
      }
      signal("STOP", first.process());
      long t0 = System.nanoTime();
      for (String id : ids) {
        TcpClient a = new TcpClient(second.ports().get("signaling"), "127.0.0.3");
        askers.add(a);
        a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
            .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(key)).build());
      }
      for (TcpClient a : askers) {
        RendezvousMessage answer = a.read(8000);
        assertNotNull(answer, "answered, not left waiting");
        assertEquals(dev.vertdesk.proto.PunchHoleResponse.Failure.OFFLINE, answer.getPunchHoleResponse().getFailure());
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      // the request timeout is 3 s; Hazelcast itself takes 10 s to give up on a silent member
      assertTrue(ms < 7000, "all answered within the request timeout: " + ms + " ms");
    } finally {
      for (TcpClient a : askers) {
        a.close();
      }
      signal("CONT", first.process());
      first.process().destroyForcibly();
      first.process().waitFor(30, TimeUnit.SECONDS);
      if (second != null) {
        second.process().destroy();
        assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
      }
    }
  }

  private static void signal(String name, Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name);
  }

  @Test
  void deviceOnOneNodeIsPunchedThroughTheOther() throws Exception {
    Node first = launchFirst();
    Node second = null;
    try {
      second = launchSecond();
      String key = Files.readString(dataDir.resolve("id_ed25519.pub")).trim();
      try (UdpDevice b = new UdpDevice("800100100", "it-uuid".getBytes(), Nacl.signKeyPair().publicKey(),
          first.ports().get("udp"), "127.0.0.2");
           TcpClient a = new TcpClient(second.ports().get("signaling"), "127.0.0.3")) {
        assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
        a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
            .setId("800100100").setNatType(NatType.ASYMMETRIC).setLicenceKey(key)).build());
        RendezvousMessage toB = b.receive(RendezvousMessage.UnionCase.PUNCH_HOLE);
        assertNotNull(toB, "the second node had the first send the PunchHole");
      }
    } finally {
      if (second != null) {
        second.process().destroy();
        assertTrue(second.process().waitFor(30, TimeUnit.SECONDS));
      }
      first.process().destroy();
      assertTrue(first.process().waitFor(30, TimeUnit.SECONDS), "SIGTERM stops a clustered node");
    }
  }
}
