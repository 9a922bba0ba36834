package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import dev.vertdesk.testing.WsRelayClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Draining by the admin command: new relay connections (TCP and WebSocket) are refused and new
 * signaling connections closed, while live relay sessions on both relay ports keep flowing until
 * drainTimeoutSeconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayDrainTest {

  @TempDir
  Path dataDir;

  @Test
  void aLiveSessionKeepsFlowingWhileNewOnesAreRefusedUntilTheDeadline() throws Exception {
    JsonObject conf = new JsonObject().put("drainTimeoutSeconds", 5)
        .put("verticles", new JsonObject().put("relay", new JsonObject().put("config", new JsonObject()
            .put("totalBandwidth", 0).put("singleBandwidth", 0).put("idleTimeoutSeconds", 30))));
    try (TestNode node = TestNode.start(dataDir, conf)) {
      String key = node.core().keys().validationKey().orElseThrow();
      int relay = node.port("relay");
      int wsRelay = node.port("wsrelay");
      String u = UUID.randomUUID().toString();
      String wu = UUID.randomUUID().toString();
      try (RelayClient a = new RelayClient(relay).request(u, key);
           RelayClient b = new RelayClient(relay, "127.0.0.2").request(u, key);
           WsRelayClient wa = new WsRelayClient(node.vertx, wsRelay).request(wu, key);
           WsRelayClient wb = new WsRelayClient(node.vertx, wsRelay).request(wu, key)) {
        exchange(a, b, 4096);
        exchange(wa, wb, 4096);
        assertFalse(node.core().drain().draining());

        JsonObject reply = node.vertx.eventBus().<JsonObject>request(Addresses.ADMIN_DRAIN, null)
            .await(5, TimeUnit.SECONDS).body();
        long began = System.nanoTime();
        assertTrue(reply.getBoolean("started"), reply.encode());
        assertEquals(2, reply.getInteger("relaySessions"), reply.encode());
        assertEquals(5, reply.getLong("timeoutSeconds"), reply.encode());
        assertTrue(node.core().drain().draining());

        assertTrue(refusedSoon(relay), "a new relay connection is refused");
        assertTrue(refusedSoon(wsRelay), "a new WebSocket relay connection is refused");
        try (TcpClient late = new TcpClient(node.port("signaling"))) {
          assertTrue(late.closedByServer(2000), "a new signaling connection is closed at once");
        }
        WebSocketClient wsClient = node.vertx.createWebSocketClient();
        try {
          WebSocket ws = wsClient.connect(node.port("ws"), "127.0.0.1", "/").await(5, TimeUnit.SECONDS);
          long until = System.currentTimeMillis() + 2000;
          while (!ws.isClosed() && System.currentTimeMillis() < until) {
            Thread.sleep(20);
          }
          assertTrue(ws.isClosed(), "a new WebSocket connection is closed at once");
          assertEquals((short) 1001, ws.closeStatusCode(), "going away");
        } finally {
          wsClient.close().await(5, TimeUnit.SECONDS);
        }
        try (UdpDevice d = new UdpDevice("444555666", "drain".getBytes(StandardCharsets.UTF_8),
            Nacl.signKeyPair().publicKey(), node.port("udp"))) {
          assertEquals(RegisterPkResponse.Result.OK, d.registerPk(), "UDP registration still answers");
        }

        // the live session goes on
        // for a second of draining, both sessions keep relaying
        long goingOn = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        do {
          exchange(a, b, 256 * 1024);
          exchange(wa, wb, 256 * 1024);
        } while (System.nanoTime() < goingOn);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began) < 4800, "before the deadline");

        JsonObject again = node.vertx.eventBus().<JsonObject>request(Addresses.ADMIN_DRAIN, null)
            .await(5, TimeUnit.SECONDS).body();
        assertFalse(again.getBoolean("started"), "already draining");
        assertEquals(reply.getLong("deadline"), again.getLong("deadline"));

        // then, at the deadline, it is closed
        assertTrue(a.awaitClose(8000) >= 0, "A closed at the drain deadline");
        assertTrue(b.awaitClose(2000) >= 0, "B closed at the drain deadline");
        assertTrue(wa.closedByServer(2000), "the WebSocket A closed at the drain deadline");
        assertTrue(wb.closedByServer(2000), "the WebSocket B closed at the drain deadline");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        assertTrue(ms >= 4800, "not before the deadline: " + ms + " ms");
      }
    }
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

  private static void exchange(WsRelayClient a, WsRelayClient b, int n) throws Exception {
    byte[] ab = new byte[n];
    byte[] ba = new byte[n];
    ThreadLocalRandom.current().nextBytes(ab);
    ThreadLocalRandom.current().nextBytes(ba);
    a.send(ab);
    assertArrayEquals(ab, b.read(5000), "WebSocket A → B");
    b.send(ba);
    assertArrayEquals(ba, a.read(5000), "WebSocket B → A");
  }

  /** Whether connecting to {@code port} is refused (or closed at once) within a second. */
  private static boolean refusedSoon(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 1000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        s.setSoTimeout(300);
        try {
          if (s.getInputStream().read() < 0) {
            return true;
          }
        } catch (SocketTimeoutException stillOpen) {
          // accepted and kept: not draining yet
        } catch (IOException reset) {
          return true;
        }
      } catch (ConnectException refused) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
