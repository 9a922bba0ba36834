package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.Streams;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two relay instances share the port (SO_REUSEPORT), so the two ends of a pair often live on
 * different event loops: forwarding, backpressure and closing must work across loops too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayMultiLoopTest {

  @TempDir
  Path dataDir;

  @Test
  void pairsSpreadOverTwoInstancesRelayIntact() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = probe.getLocalPort();
    }
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("instances", 2).put("config", new JsonObject()
            .put("port", port).put("totalBandwidth", 0).put("singleBandwidth", 0)
            // small queues: backpressure kicks in all the time
            .put("writeHighWaterMark", 16 * 1024).put("readBufferSize", 16 * 1024)))))) {
      String key = node.core().keys().validationKey().orElseThrow();
      long each = 8L << 20;
      List<CompletableFuture<String>> results = new ArrayList<>();
      List<RelayClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          String u = UUID.randomUUID().toString();
          RelayClient a = new RelayClient(port, "127.0.0." + (20 + i)).request(u, key);
          RelayClient b = new RelayClient(port, "127.0.0." + (40 + i)).request(u, key);
          clients.add(a);
          clients.add(b);
          a.socket.setSoTimeout(20_000);
          b.socket.setSoTimeout(20_000);
          long seedA = 100 + i;
          long seedB = 200 + i;
          results.add(CompletableFuture.supplyAsync(() -> {
            RelayPairingTest.unchecked(() -> Streams.send(a.out(), seedA, each));
            return null;
          }));
          results.add(CompletableFuture.supplyAsync(() -> {
            RelayPairingTest.unchecked(() -> Streams.send(b.out(), seedB, each));
            return null;
          }));
          results.add(CompletableFuture.supplyAsync(
              () -> RelayPairingTest.unchecked(() -> Streams.verify(b.in(), seedA, each))));
          results.add(CompletableFuture.supplyAsync(
              () -> RelayPairingTest.unchecked(() -> Streams.verify(a.in(), seedB, each))));
        }
        for (CompletableFuture<String> r : results) {
          assertNull(r.get(40, TimeUnit.SECONDS));
        }
        assertEquals(8, node.relay().sessions().size());
      } finally {
        for (RelayClient c : clients) {
          c.close();
        }
      }
    }
  }
}
