package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.testing.RelayPeer;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar vertdesk.jar admin ...} against a running node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminCliTest {

  @TempDir
  static Path dataDir;
  static TestNode node;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    url = "http://127.0.0.1:" + node.port("admin");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  record Run(int code, String out) {
  }

  static Run cli(String... args) {
    return cli(Map.of(), args);
  }

  static Run cli(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--url", url, "--token-file", dataDir.resolve("admin.token").toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = AdminCli.run(all.toArray(String[]::new), new PrintStream(buf, true, StandardCharsets.UTF_8), env);
    return new Run(code, buf.toString(StandardCharsets.UTF_8));
  }

  @Test
  void statusPeerAndEvents() throws Exception {
    try (UdpDevice d = new UdpDevice("555000111", "u-cli".getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), "127.0.2.1")) {
      assertEquals(Result.OK, d.registerPk());
      Run status = cli("status");
      assertEquals(0, status.code(), status.out());
      assertTrue(status.out().contains("node " + node.core().nodeId()), status.out());
      assertTrue(status.out().contains("online"), status.out());
      Run peer = cli("peer", "555000111");
      assertEquals(0, peer.code(), peer.out());
      assertTrue(peer.out().contains("online:   true"), peer.out());
      assertTrue(peer.out().contains("127.0.2.1:" + d.localPort()), peer.out());
      assertEquals(2, cli("peer", "no-such-id").code());
      Run peers = cli("peers", "--prefix", "555000");
      assertTrue(peers.out().contains("555000111"), peers.out());
      Run events = cli("events", "--type", "peer.registered", "--id", "555000111");
      assertTrue(events.out().contains("peer.registered id=555000111 ip=127.0.2.1"), events.out());
      // --follow on the stream: the replayed event, then stop after one
      Run follow = cli("events", "--follow", "--id", "555000111", "--type", "peer.registered", "--limit", "1", "--count", "1");
      assertEquals(0, follow.code(), follow.out());
      assertTrue(follow.out().contains("peer.registered id=555000111"), follow.out());
    }
  }

  @Test
  void consoleCommandsChangeTheServer() throws Exception {
    Run add = cli("blocklist", "add", "127.0.2.50");
    assertEquals(0, add.code(), add.out());
    assertTrue(Files.readString(dataDir.resolve("blocklist.txt")).contains("127.0.2.50"));
    assertTrue(cli("B").out().contains("127.0.2.50"));
    assertEquals("true", cli("B", "127.0.2.50").out().trim());
    assertTrue(cli("Br", "127.0.2.50").out().contains("removed"));
    assertEquals("false", cli("blocklist", "list", "127.0.2.50").out().trim());
    assertTrue(cli("ba", "127.0.2.51|127.0.2.52").out().contains("127.0.2.52"));
    assertTrue(cli("br", "all").out().contains("127.0.2.51"));

    assertEquals("1024Mb/s", cli("tb").out().trim());
    assertEquals("512Mb/s", cli("tb", "512").out().trim());
    assertEquals("512Mb/s", cli("total-bandwidth").out().trim());
    assertEquals("0.5", cli("dt", "0.5").out().trim());
    assertEquals("60s", cli("t", "60").out().trim());
    assertEquals("8Mb/s", cli("ls", "8").out().trim());
    assertEquals("64Mb/s", cli("sb", "64").out().trim());

    assertEquals("ALWAYS_USE_RELAY: N", cli("aur").out().trim());
    assertEquals("ALWAYS_USE_RELAY: Y", cli("aur", "Y").out().trim());
    assertTrue(node.rendezvous().alwaysUseRelay().get());
    cli("aur", "N");
    assertEquals("(none)", cli("rs").out().trim());
    assertEquals("relay1.example.org\nrelay2.example.org:21117",
        cli("rs", "relay1.example.org,relay2.example.org:21117").out().trim().replace("\r", ""));
    assertEquals(List.of("relay1.example.org", "relay2.example.org:21117"), node.rendezvous().relays().configured());
    assertEquals(0, cli("u").code());
    String u = java.util.UUID.randomUUID().toString();
    String key = node.core().keys().validationKey().orElseThrow();
    try (RelayPeer a = new RelayPeer(node.port("relay"), "127.0.2.7", u, key);
         RelayPeer b = new RelayPeer(node.port("relay"), "127.0.2.8", u, key)) {
      a.write(new byte[3000]);
      b.read(3000);
      // hbbr's line: <second end>: Ns X.XXMB highest avg current (kb/s), busiest first
      String line = cli("u").out().trim();
      assertTrue(line.matches("127\\.0\\.2\\.8:\\d+: \\d+s 0\\.00MB \\d+kb/s \\d+kb/s \\d+kb/s \\(127\\.0\\.2\\.7:\\d+\\)"), line);
    }
    assertEquals(0, cli("relay", "usage").code());
    assertEquals(0, cli("ib").code());
    assertEquals(0, cli("ic").code());
    assertEquals(0, cli("pr", "-").code());
    Run bus = cli("eventbus");
    assertEquals(0, bus.code(), bus.out());
    assertTrue(bus.out().contains("metrics are off"), bus.out());
    Run json = cli("--json", "status");
    assertEquals(node.core().nodeId(), new JsonObject(json.out()).getJsonArray("nodes").getJsonObject(0).getString("node"));
  }

  @Test
  void failuresHaveTheirOwnExitCodes() throws Exception {
    Path wrong = dataDir.resolve("wrong.token");
    Files.writeString(wrong, "nope\n");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = AdminCli.run(new String[] {"--url", url, "--token-file", wrong.toString(), "status"},
        new PrintStream(buf, true, StandardCharsets.UTF_8), Map.of());
    assertEquals(2, code, buf.toString());
    assertTrue(buf.toString().contains("401"), buf.toString());
    assertFalse(node.rendezvous().alwaysUseRelay().get());
    assertEquals(2, AdminCli.run(new String[] {"--url", url, "--token", "nope", "aur", "Y"},
        new PrintStream(new ByteArrayOutputStream()), Map.of()));
    assertFalse(node.rendezvous().alwaysUseRelay().get(), "a refused change changes nothing");

    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    assertEquals(3, AdminCli.run(new String[] {"--url", "http://127.0.0.1:" + free, "--token", "x", "status"},
        new PrintStream(new ByteArrayOutputStream()), Map.of()));
    assertEquals(1, cli().code(), "no command");
    assertEquals(1, cli("frobnicate").code());
    assertEquals(1, cli("tb", "fast").code());
    assertEquals(2, cli("ba", "not-an-ip").code(), "the API refuses what is not an address");
    // the token can also come from the environment
    String token = Files.readString(dataDir.resolve("admin.token")).trim();
    assertEquals(0, AdminCli.run(new String[] {"--url", url, "health"}, new PrintStream(new ByteArrayOutputStream()), Map.of()));
    assertEquals(0, AdminCli.run(new String[] {"status"}, new PrintStream(new ByteArrayOutputStream()),
        Map.of("VERTDESK_ADMIN_URL", url, "VERTDESK_ADMIN_TOKEN", token)));
  }
}
