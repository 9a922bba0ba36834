package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The rustdesk-utils commands: output and exit codes as docs/protocol.md §9.5 describes them. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UtilitiesTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @TempDir
  Path dataDir;

  private record Result(int code, List<String> lines) {
    String text() {
      return String.join("\n", lines);
    }
  }

  private static Result run(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    int code = Utilities.run(args, out);
    out.flush();
    return new Result(code, List.of(buf.toString(StandardCharsets.UTF_8).split("\\R", -1)));
  }

  private static String[] generatedPair() {
    Result r = run("genkeypair");
    assertEquals(0, r.code());
    String pk = r.lines().get(0).substring("Public Key:  ".length());
    String sk = r.lines().get(1).substring("Secret Key:  ".length());
    return new String[] {pk, sk};
  }

  // ---- genkeypair ----

  @Test
  void genkeypairPrintsAPairThatValidates() {
    Result r = run("genkeypair");
    assertEquals(0, r.code());
    assertTrue(r.lines().get(0).matches("Public Key:  [A-Za-z0-9+/]{43}="), r.text());
    assertTrue(r.lines().get(1).matches("Secret Key:  [A-Za-z0-9+/]{86}=="), r.text());
    assertEquals(List.of(""), r.lines().subList(2, r.lines().size()), "two lines only");
    String pk = r.lines().get(0).substring(13);
    String sk = r.lines().get(1).substring(13);
    assertEquals(44, pk.length());
    assertEquals(88, sk.length());
    byte[] pkBytes = Base64.getDecoder().decode(pk);
    byte[] skBytes = Base64.getDecoder().decode(sk);
    assertEquals(32, pkBytes.length);
    assertEquals(64, skBytes.length);
    assertTrue(Arrays.equals(pkBytes, Nacl.publicKeyOf(skBytes)), "sk = seed ‖ pk");

    Result v = run("validatekeypair", pk, sk);
    assertEquals(0, v.code());
    assertEquals("Key pair is VALID", v.lines().get(0));
  }

  @Test
  void commandNamesAreCaseInsensitive() {
    assertTrue(Utilities.isCommand("GenKeyPair"));
    assertTrue(Utilities.isCommand("doctor"));
    assertFalse(Utilities.isCommand("-conf"));
    assertEquals(0, run("GENKEYPAIR").code());
  }

  // ---- validatekeypair ----

  @Test
  void validatekeypairVerdicts() {
    String[] pair = generatedPair();
    String pk = pair[0];
    String sk = pair[1];
    String otherPk = generatedPair()[0];

    assertVerdict(0, "Key pair is VALID", run("validatekeypair", pk, sk));
    assertVerdict(1, "Invalid secret key", run("validatekeypair", pk, "not*base64"));
    assertVerdict(1, "Invalid Secret key", run("validatekeypair", pk, pk)); // 32 bytes, not 64
    assertVerdict(1, "Invalid public key", run("validatekeypair", "%%%", sk));
    assertVerdict(1, "Invalid Public key", run("validatekeypair", sk, sk)); // 64 bytes, not 32
    assertVerdict(1, "Key pair is INVALID", run("validatekeypair", otherPk, sk));
  }

  @Test
  void theSecretKeyIsCheckedBeforeThePublicKey() {
    assertVerdict(1, "Invalid secret key", run("validatekeypair", "%%%", "%%%"));
  }

  @Test
  void aSecretKeyWhoseHalvesDisagreeIsInvalid() {
    String[] a = generatedPair();
    String[] b = generatedPair();
    byte[] skA = Base64.getDecoder().decode(a[1]);
    byte[] pkB = Base64.getDecoder().decode(b[0]);
    byte[] spliced = Arrays.copyOf(skA, 64);
    System.arraycopy(pkB, 0, spliced, 32, 32); // seed of A, pk half of B
    assertVerdict(1, "Key pair is INVALID",
        run("validatekeypair", b[0], Base64.getEncoder().encodeToString(spliced)));
  }

  @Test
  void validatekeypairWithoutBothKeysPrintsErrorAndUsage() {
    for (String[] args : List.of(new String[] {"validatekeypair"}, new String[] {"validatekeypair", "abc"})) {
      Result r = run(args);
      assertEquals(1, r.code());
      assertEquals("ERROR: You must supply both the public and the secret key", r.lines().get(0));
      assertUsage(r);
    }
  }

  // ---- usage ----

  @Test
  void noCommandOrUnknownCommandPrintsUsageAndExits1() {
    for (String[] args : List.of(new String[0], new String[] {"frobnicate"}, new String[] {"help"})) {
      Result r = run(args);
      assertEquals(1, r.code(), Arrays.toString(args));
      assertTrue(r.lines().get(0).startsWith("Usage:"), r.text());
      assertUsage(r);
    }
  }

  @Test
  void doctorWithoutServerPrintsErrorAndUsage() {
    Result r = run("doctor");
    assertEquals(1, r.code());
    assertEquals("ERROR: You must supply the rustdesk-server address", r.lines().get(0));
    assertUsage(r);
    Result bad = run("doctor", "--port", "99999", "127.0.0.1");
    assertEquals(1, bad.code());
    assertTrue(bad.lines().get(0).startsWith("ERROR: --port expects"), bad.text());
  }

  private static void assertUsage(Result r) {
    String text = r.text();
    for (String command : List.of("genkeypair", "validatekeypair", "doctor")) {
      assertTrue(text.contains("    " + command), "usage lists " + command + ":\n" + text);
    }
  }

  private static void assertVerdict(int code, String line, Result r) {
    assertEquals(line, r.lines().get(0), r.text());
    assertEquals(code, r.code(), r.text());
  }

  // ---- doctor ----

  @Test
  void doctorChecksEachPortOfALiveNode() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject())) {
      int closed = closedTcpPort();
      assertTrue(Doctor.tcp(LOOPBACK, node.port("signaling"), 2000).ok());
      assertTrue(Doctor.tcp(LOOPBACK, node.port("nat"), 2000).ok());
      assertFalse(Doctor.tcp(LOOPBACK, closed, 2000).ok());

      Doctor.Probe udp = Doctor.udpRegisterPeer(LOOPBACK, node.port("udp"), 3000);
      assertTrue(udp.ok(), udp.detail());
      assertTrue(Doctor.udpLine(node.port("udp"), udp)
          .matches("UDP Port \\d+ \\(hbbs registration\\): OK in \\d+ ms"));
      assertEquals(0, node.core().registry().size(), "the probe registered nothing");

      Doctor.Probe noUdp = Doctor.udpRegisterPeer(LOOPBACK, closedUdpPort(), 1000);
      assertFalse(noUdp.ok());
      assertTrue(Doctor.udpLine(1, noUdp).startsWith("UDP Port 1 (hbbs registration): ERROR"));

      assertTrue(Doctor.tcpLine(node.port("nat"), "hbbs extra port for nat test",
              Doctor.tcp(LOOPBACK, node.port("nat"), 2000))
          .matches("TCP Port \\d+ \\(hbbs extra port for nat test\\): OK in \\d+ ms"));
      assertEquals("TCP Port " + closed + " (API): ERROR",
          Doctor.tcpLine(closed, "API", Doctor.tcp(LOOPBACK, closed, 2000)));
    }
  }

  @Test
  void doctorEndToEndWithABasePort() throws Exception {
    for (int attempt = 0; ; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      if (!rangeFree(base)) {
        continue;
      }
      JsonObject overrides = new JsonObject().put("verticles", new JsonObject()
          .put("udp", portConf(base))
          .put("signaling", portConf(base))
          .put("nat", portConf(base - 1))
          .put("ws", portConf(base + 2)));
      TestNode node;
      try {
        node = TestNode.start(dataDir, overrides);
      } catch (Exception raced) {
        if (attempt < 5) {
          continue; // someone took a port between the check and the bind
        }
        throw raced;
      }
      try (node) {
        Result r = run("doctor", "--port", String.valueOf(base), "--admin-port", String.valueOf(closedTcpPort()),
            "--timeout", "2000", "127.0.0.1");
        assertEquals(0, r.code(), r.text());
        List<String> l = r.lines();
        assertEquals("Checking server:  127.0.0.1", l.get(0));
        assertEquals("", l.get(1));
        assertEquals("", l.get(2));
        assertEquals("Checking IP address: 127.0.0.1", l.get(3));
        assertEquals("Is IPV4: true", l.get(4));
        assertEquals("Is IPV6: false", l.get(5));
        assertEquals("TCP Port " + (base - 2) + " (API): ERROR", l.get(6));
        assertTrue(l.get(7).matches("TCP Port " + (base - 1) + " \\(hbbs extra port for nat test\\): OK in \\d+ ms"), l.get(7));
        assertTrue(l.get(8).matches("TCP Port " + base + " \\(hbbs\\): OK in \\d+ ms"), l.get(8));
        assertEquals("TCP Port " + (base + 1) + " (hbbr tcp): ERROR", l.get(9));
        assertTrue(l.get(10).matches("TCP Port " + (base + 2) + " \\(hbbs websocket\\): OK in \\d+ ms"), l.get(10));
        assertEquals("TCP Port " + (base + 3) + " (hbbr websocket): ERROR", l.get(11));
        assertTrue(l.get(12).matches("UDP Port " + base + " \\(hbbs registration\\): OK in \\d+ ms"), l.get(12));
        assertTrue(l.get(13).matches("Health endpoint http://127\\.0\\.0\\.1:\\d+/health/ready: not reachable.*"),
            l.get(13));
      }
      return;
    }
  }

  @Test
  void doctorResolvesHostNames() {
    Result r = run("doctor", "--port", "3", "--admin-port", "1", "--timeout", "300", "LocalHost");
    assertEquals(0, r.code(), r.text());
    assertEquals("Checking server:  localhost", r.lines().get(0));
    assertTrue(r.lines().get(2).matches("Found \\d+ IP addresses: "), r.text());
    assertTrue(r.text().contains("\n - 127.0.0.1\n") || r.text().contains("\n - ::1\n"), r.text());
    assertTrue(r.text().contains("Reverse DNS lookup: '"), r.text());
  }

  @Test
  void healthEndpointIsReportedWhenReachable() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
    int[] status = {200};
    http.createContext("/health/ready", ex -> {
      byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status[0], body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    http.start();
    try {
      int port = http.getAddress().getPort();
      String url = Doctor.healthUrl(LOOPBACK, port);
      assertEquals("http://127.0.0.1:" + port + "/health/ready", url);
      Doctor.HealthProbe ok = Doctor.health(LOOPBACK, port, 2000);
      assertEquals(200, ok.status());
      assertTrue(Doctor.healthLine(url, ok).matches("Health endpoint \\S+: OK in \\d+ ms"));
      status[0] = 503;
      Doctor.HealthProbe draining = Doctor.health(LOOPBACK, port, 2000);
      assertEquals("Health endpoint " + url + ": NOT READY (HTTP 503)", Doctor.healthLine(url, draining));
    } finally {
      http.stop(0);
    }
    assertFalse(Doctor.health(LOOPBACK, closedTcpPort(), 1000).reachable());
  }

  @Test
  void ipv6AddressesArePrintedCompressed() throws Exception {
    assertEquals("::1", Doctor.format(InetAddress.getByName("0:0:0:0:0:0:0:1")));
    assertEquals("2001:db8::1:0:0:1", Doctor.format(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
    assertEquals("2001:db8:0:1:1:1:1:1", Doctor.format(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
    assertEquals("http://[::1]:21120/health/ready", Doctor.healthUrl(InetAddress.getByName("::1"), 21120));
  }

  // ---- helpers ----

  private static JsonObject portConf(int port) {
    return new JsonObject().put("config", new JsonObject().put("port", port).put("host", "127.0.0.1"));
  }

  private static boolean rangeFree(int base) {
    for (int p = base - 2; p <= base + 3; p++) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(LOOPBACK, p));
      } catch (Exception e) {
        return false;
      }
    }
    try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(LOOPBACK, base))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static int closedTcpPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  private static int closedUdpPort() throws Exception {
    try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      return d.getLocalPort();
    }
  }
}
