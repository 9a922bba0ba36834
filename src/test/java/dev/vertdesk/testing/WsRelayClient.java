package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.FrameDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A blocking WebSocket relay client on Vert.x's own WebSocket client: binary messages in a
 * queue, each write awaited (which is backpressure enough for a test), the server's close seen.
 */
public final class WsRelayClient implements AutoCloseable {

  /** Large enough for every message the tests send or expect, in one frame. */
  public static final int CLIENT_MAX = 64 << 20;

  public final WebSocket ws;
  public final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
  private final WebSocketClient client;
  private final CountDownLatch closed = new CountDownLatch(1);

  public WsRelayClient(Vertx vertx, int port) throws Exception {
    this(vertx, port, "/ws/relay", Map.of());
  }

  public WsRelayClient(Vertx vertx, int port, String path, Map<String, String> headers) throws Exception {
    this(vertx, port, path, headers, options());
  }

  /** @param localIp the loopback address to connect from, or null for any */
  public WsRelayClient(Vertx vertx, int port, String path, Map<String, String> headers, String localIp)
      throws Exception {
    this(vertx, port, path, headers, localIp == null ? options() : options().setLocalAddress(localIp));
  }

  public WsRelayClient(Vertx vertx, int port, String path, Map<String, String> headers,
                WebSocketClientOptions clientOptions) throws Exception {
    client = vertx.createWebSocketClient(clientOptions);
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(port).setURI(path);
    headers.forEach(options::addHeader);
    try {
      ws = client.connect(options).await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.close();
      throw e;
    }
    ws.binaryMessageHandler(b -> messages.add(b.getBytes()));
    ws.closeHandler(v -> closed.countDown());
  }

  public static WebSocketClientOptions options() {
    return new WebSocketClientOptions().setMaxFrameSize(CLIENT_MAX).setMaxMessageSize(CLIENT_MAX);
  }

  public static byte[] requestPayload(String uuid, String key) {
    return RendezvousMessage.newBuilder()
        .setRequestRelay(RequestRelay.newBuilder().setUuid(uuid).setLicenceKey(key == null ? "" : key)
            .setId("123456789"))
        .build().toByteArray();
  }

  public WsRelayClient request(String uuid, String key) throws Exception {
    send(requestPayload(uuid, key));
    return this;
  }

  /** One binary message in one frame; returns once it is written to the socket. */
  public void send(byte[] message) throws Exception {
    ws.writeBinaryMessage(Buffer.buffer(message)).await(20, TimeUnit.SECONDS);
  }

  public byte[] read(int timeoutMillis) throws InterruptedException {
    return messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  public boolean closedByServer(int timeoutMillis) throws InterruptedException {
    return closed.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /** The close status the server sent, once closed; null if it sent none. */
  public Short closeStatus() {
    return ws.closeStatusCode();
  }

  @Override
  public void close() throws Exception {
    client.close().await(5, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ deterministic messages

  /**
   * A deterministic sequence of non-empty messages adding up to {@code total} bytes: mostly up to
   * 64 KiB, now and then up to 3 MiB, so both small and multi-read messages cross the relay.
   */
  public static final class MessageStream {
    private final SplittableRandom rnd;
    private long remaining;

    public MessageStream(long seed, long total) {
      this.rnd = new SplittableRandom(seed);
      this.remaining = total;
    }

    /** The next message, or null at the end. */
    public byte[] next() {
      if (remaining <= 0) {
        return null;
      }
      int max = rnd.nextInt(40) == 0 ? 3 << 20 : 64 << 10;
      int n = (int) Math.min(remaining, 1 + rnd.nextInt(max));
      byte[] b = new byte[n];
      rnd.nextBytes(b);
      remaining -= n;
      return b;
    }
  }

  /** Reads length-prefixed frames from a TCP relay client into {@code out}, until the stream ends. */
  public static void readFrames(InputStream in, BlockingQueue<byte[]> out) {
    FrameDecoder decoder = new FrameDecoder(CLIENT_MAX);
    byte[] buf = new byte[256 * 1024];
    try {
      int r;
      while ((r = in.read(buf)) >= 0) {
        decoder.feed(buf, 0, r, payload -> {
          out.add(payload);
          return true;
        });
      }
    } catch (IOException closed) {
      // the test is over
    }
  }
}
