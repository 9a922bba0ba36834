package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.config.WsRelayOptions;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsRelayClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebSocket relay follows the relay's rules ({@code verticles.relay.config}: brokered only,
 * bandwidth), and its own block is validated.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsRelayPolicyTest {

  @TempDir
  Path dataDir;

  @Test
  void brokeredOnlyAndThePerPairLimitApplyToWebSocketEnds() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject()
            .put("brokeredOnly", true).put("totalBandwidth", 0).put("singleBandwidth", 8)))))) {
      String key = node.core().keys().validationKey().orElseThrow();
      int wsPort = node.port("wsrelay");

      try (WsRelayClient stranger = new WsRelayClient(node.vertx, wsPort).request(UUID.randomUUID().toString(), key)) {
        assertTrue(stranger.closedByServer(2000), "unbrokered uuid: closed");
      }

      String u = UUID.randomUUID().toString();
      node.core().brokerage().brokered(u);
      try (WsRelayClient a = new WsRelayClient(node.vertx, wsPort).request(u, key);
           RelayClient b = new RelayClient(node.port("relay")).request(u, key)) {
        // 8 Mb/s = 1 MiB/s for the pair: 2.5 MiB take about 2.5 s
        int total = 5 * (512 << 10);
        BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        b.socket.setSoTimeout(0);
        Thread reader = new Thread(() -> RelayPairingTest.unchecked(() -> WsRelayClient.readFrames(b.in(), got)));
        reader.setDaemon(true);
        reader.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
          a.send(new byte[512 << 10]);
        }
        long bytes = 0;
        while (bytes < total) {
          byte[] m = got.poll(10, TimeUnit.SECONDS);
          assertNotNull(m, "after " + bytes + " bytes");
          bytes += m.length;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds > 1.8 && seconds < 6, total + " bytes in " + seconds + " s at 1 MiB/s");
      }
    }
  }

  private WsRelayOptions wsrelay(JsonObject config) {
    return NodeConfig.load(new JsonObject().put("dataDir", dataDir.toString())
        .put("verticles", new JsonObject().put("wsrelay", new JsonObject().put("config", config))), Map.of())
        .wsrelay().options();
  }

  @Test
  void badValuesNameTheirKey() {
    ConfigException e1 = assertThrows(ConfigException.class, () -> wsrelay(new JsonObject().put("maxMessageSize", "huge")));
    assertTrue(e1.getMessage().contains("verticles.wsrelay.config.maxMessageSize"), e1.getMessage());
    ConfigException e2 = assertThrows(ConfigException.class, () -> wsrelay(new JsonObject().put("handshakeTimeoutSeconds", 0)));
    assertTrue(e2.getMessage().contains("verticles.wsrelay.config.handshakeTimeoutSeconds"), e2.getMessage());
    ConfigException e3 = assertThrows(ConfigException.class, () -> wsrelay(new JsonObject().put("port", 70000)));
    assertTrue(e3.getMessage().contains("verticles.wsrelay.config.port"), e3.getMessage());

    WsRelayOptions d = wsrelay(new JsonObject().put("maxMessageSize", "2097152"));
    assertEquals(2 << 20, d.maxMessageSize(), "strings from environment variables are read");
    assertEquals(10, d.handshakeTimeoutSeconds());
  }

  @Test
  void aBadWsRelayValueStopsTheNode() {
    Exception e = assertThrows(Exception.class, () -> TestNode.start(dataDir, new JsonObject().put("verticles",
        new JsonObject().put("wsrelay", new JsonObject().put("config", new JsonObject().put("maxMessageSize", 1))))));
    Throwable t = e;
    while (t != null && !(t instanceof ConfigException)) {
      t = t.getCause();
    }
    assertNotNull(t, "a ConfigException: " + e);
    assertTrue(t.getMessage().contains("verticles.wsrelay.config.maxMessageSize"), t.getMessage());
  }
}
