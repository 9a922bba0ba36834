package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A blocking WebSocket client (Vert.x's own) speaking one protobuf per binary message. */
public final class WsClient implements AutoCloseable {

  public final WebSocket ws;
  private final WebSocketClient client;
  private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
  private final CountDownLatch closed = new CountDownLatch(1);

  public WsClient(Vertx vertx, int port, String path, Map<String, String> headers) throws Exception {
    client = vertx.createWebSocketClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path);
    headers.forEach(options::addHeader);
    ws = client.connect(options).await(5, TimeUnit.SECONDS);
    ws.binaryMessageHandler(b -> messages.add(b.getBytes()));
    ws.closeHandler(v -> closed.countDown());
  }

  public WsClient(Vertx vertx, int port) throws Exception {
    this(vertx, port, "/", Map.of());
  }

  public void send(RendezvousMessage m) {
    ws.writeBinaryMessage(Buffer.buffer(m.toByteArray()));
  }

  public byte[] readBytes(int timeoutMillis) throws InterruptedException {
    return messages.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  public RendezvousMessage read() throws InterruptedException {
    byte[] b = readBytes(3000);
    return b == null ? null : Envelopes.parse(b);
  }

  public boolean closedByServer(int timeoutMillis) throws InterruptedException {
    return closed.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    client.close().await(5, TimeUnit.SECONDS);
  }
}
