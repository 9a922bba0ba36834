package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.OnlineRequest;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket rendezvous port under text, fragmented, oversized and half-done input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WsHostileInputTest {

  @TempDir
  Path dataDir;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("ws", new JsonObject().put("config", new JsonObject().put("idleTimeoutSeconds", 2)))));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  private static RendezvousMessage onlineQuery() {
    return RendezvousMessage.newBuilder().setOnlineRequest(OnlineRequest.newBuilder().addPeers("x")).build();
  }

  @Test
  void textMessagesAreIgnored() throws Exception {
    try (WsClient c = new WsClient(node.vertx, node.port("ws"))) {
      c.ws.writeTextMessage("hello").await(2, TimeUnit.SECONDS);
      c.send(onlineQuery());
      assertNotNull(c.read(), "still served after a text message");
    }
  }

  @Test
  void fragmentedMessageIsReassembled() throws Exception {
    try (WsClient c = new WsClient(node.vertx, node.port("ws"))) {
      byte[] bytes = onlineQuery().toByteArray();
      int half = bytes.length / 2;
      c.ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(java.util.Arrays.copyOf(bytes, half)), false));
      c.ws.writeFrame(WebSocketFrame.continuationFrame(
          Buffer.buffer(java.util.Arrays.copyOfRange(bytes, half, bytes.length)), true));
      assertNotNull(c.read(), "one message in two frames");
    }
  }

  @Test
  void oversizedAndGarbageMessagesClose() throws Exception {
    try (WsClient c = new WsClient(node.vertx, node.port("ws"))) {
      c.ws.writeBinaryMessage(Buffer.buffer(new byte[200_000]));
      assertTrue(c.closedByServer(3000), "over maxMessageSize");
    }
    try (WsClient c = new WsClient(node.vertx, node.port("ws"))) {
      c.ws.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) 0xff, 0x01, 0x02}));
      assertTrue(c.closedByServer(3000), "not a RendezvousMessage");
    }
    try (WsClient c = new WsClient(node.vertx, node.port("ws"))) {
      c.send(onlineQuery());
      assertNotNull(c.read(), "others are unaffected");
    }
  }

  @Test
  void handshakeThatNeverCompletesIsDropped() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.port("ws")), 2000);
      s.getOutputStream().write("GET /ws/id HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n".getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(6000);
      InputStream in = s.getInputStream();
      long t0 = System.nanoTime();
      java.io.ByteArrayOutputStream answered = new java.io.ByteArrayOutputStream();
      try {
        byte[] buf = new byte[1024];
        for (int n; (n = in.read(buf)) >= 0; ) {
          answered.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the half-done handshake was not closed");
      } catch (java.io.IOException reset) {
        // closed by reset: fine
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
      assertTrue(seconds < 5, "closed at the 2 s idle timeout, not " + seconds + " s");
      assertTrue(!answered.toString(StandardCharsets.US_ASCII).contains(" 101 "),
          "never upgraded: " + answered.toString(StandardCharsets.US_ASCII));
    }
  }

  @Test
  void plainHttpGetsUpgradeRequired() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.port("ws")), 2000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(3000);
      String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 426", head);
    }
  }
}
