package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsRelayClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client address on the WebSocket relay: {@code X-Real-IP} / {@code X-Forwarded-For} count
 * only from a trusted proxy, for the blocklist and for the session's reported ends; the TCP peer
 * itself is checked against the blocklist first, as hbbr does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsRelayClientAddressTest {

  static final String BLOCKED = "203.0.113.9";
  static final String CLEAN = "203.0.113.10";

  @TempDir
  Path dataDir;

  TestNode start(String trustedProxies) throws Exception {
    Files.writeString(dataDir.resolve(AccessLists.BLOCKLIST_FILE), BLOCKED + " spoof target\n127.0.0.5\n");
    return TestNode.start(dataDir, new JsonObject().put("trustedProxies", trustedProxies));
  }

  /** Pairs a WebSocket client (with {@code headers}) with a TCP one; returns the WS end as reported. */
  static String pairAndDescribe(TestNode node, Map<String, String> headers) throws Exception {
    String key = node.core().keys().validationKey().orElseThrow();
    String u = UUID.randomUUID().toString();
    try (WsRelayClient ws = Eventually.parked(node, () -> new WsRelayClient(node.vertx, node.port("wsrelay"),
            "/ws/relay", headers).request(u, key));
         RelayClient tcp = new RelayClient(node.port("relay"))) {
      tcp.request(u, key);
      ws.send("hi".getBytes(StandardCharsets.UTF_8));
      assertArrayEquals(FrameCodec.encode("hi".getBytes(StandardCharsets.UTF_8)), tcp.read(3, 3000), "paired");
      return node.relay().sessions().list().stream()
          .filter(i -> i.uuid().equals(u)).findFirst().orElseThrow().first();
    }
  }

  @Test
  void headersFromAnUntrustedPeerAreIgnored() throws Exception {
    try (TestNode node = start("10.9.9.9/32")) {
      for (Map<String, String> spoof : java.util.List.of(Map.of("X-Real-IP", BLOCKED),
          Map.of("X-Forwarded-For", "198.51.100.1, " + BLOCKED))) {
        String first = pairAndDescribe(node, spoof);
        assertTrue(first.startsWith("127.0.0.1:"), "the TCP peer is the client: " + first);
      }
    }
  }

  @Test
  void headersFromATrustedProxyNameTheClient() throws Exception {
    try (TestNode node = start("127.0.0.0/8,::1/128")) {
      // the blocklisted address behind the proxy is refused during the upgrade
      for (Map<String, String> real : java.util.List.of(Map.of("X-Real-IP", BLOCKED),
          Map.of("X-Forwarded-For", "198.51.100.1, " + BLOCKED))) {
        assertThrows(Exception.class,
            () -> new WsRelayClient(node.vertx, node.port("wsrelay"), "/ws/relay", real).close(),
            "refused: " + real);
      }
      // another client behind the same proxy is served and reported by its own address
      String first = pairAndDescribe(node, Map.of("X-Real-IP", CLEAN));
      assertTrue(first.startsWith(CLEAN + ":"), "the forwarded address: " + first);
      // and the blocklisted proxy itself is refused whatever it forwards
      assertThrows(Exception.class, () -> new WsRelayClient(node.vertx, node.port("wsrelay"), "/ws/relay",
          Map.of("X-Real-IP", CLEAN), "127.0.0.5").close(), "blocklisted TCP peer");
    }
  }
}
