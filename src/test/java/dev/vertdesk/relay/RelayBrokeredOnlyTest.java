package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code brokeredOnly}: the relay serves only uuids our signaling handed out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayBrokeredOnlyTest {

  @TempDir
  Path dataDir;

  @Test
  void refusesAnUnbrokeredUuidAndPairsABrokeredOne() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("relay", new JsonObject().put("config", new JsonObject().put("brokeredOnly", true)))))) {
      String key = node.core().keys().validationKey().orElseThrow();
      int port = node.port("relay");

      String stranger = UUID.randomUUID().toString();
      try (RelayClient a = new RelayClient(port).request(stranger, key)) {
        long t0 = System.nanoTime();
        assertEquals(0, a.awaitClose(3000), "unbrokered uuid: closed without a byte");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2000, "closed at once");
      }

      String brokered = UUID.randomUUID().toString();
      node.core().brokerage().brokered(brokered); // what signaling does on RequestRelay / RelayResponse
      try (RelayClient a = new RelayClient(port).request(brokered, key);
           RelayClient b = new RelayClient(port).request(brokered, key)) {
        a.write(new byte[] {7, 8, 9});
        assertArrayEquals(new byte[] {7, 8, 9}, b.read(3, 3000));
      }
    }
  }
}
