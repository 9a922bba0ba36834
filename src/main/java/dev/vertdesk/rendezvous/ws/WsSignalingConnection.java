package dev.vertdesk.rendezvous.ws;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.rendezvous.SignalingConnection;
import dev.vertdesk.rendezvous.SignalingSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket framing adapter: one protobuf per binary message (docs/protocol.md §2.3). Text, ping and
 * pong messages are ignored but count as activity; the fragments of an unfinished message do not.
 * WebSocket clients never run the secure-TCP handshake, TLS of wss being their protection.
 */
public final class WsSignalingConnection extends SignalingSession {

  private static final Logger LOG = LoggerFactory.getLogger(WsSignalingConnection.class);

  private final ServerWebSocket ws;

  /** @param idleMillis how long the connection may go without a complete message, from the upgrade */
  public WsSignalingConnection(ServerWebSocket ws, InetSocketAddress client, long idleMillis,
                               BiConsumer<SignalingConnection, RendezvousMessage> handler) {
    super(Vertx.currentContext(), client, null, idleMillis, handler);
    this.ws = ws;
    ws.binaryMessageHandler(b -> onPayload(b.getBytes()));
    ws.textMessageHandler(t -> activity());
    ws.frameHandler(f -> {
      if (f.isPing() || f.type() == WebSocketFrameType.PONG) {
        activity();
      }
    });
    ws.exceptionHandler(e -> {
      LOG.debug("websocket from {}: {}", client, e.toString());
      close();
    });
    ws.closeHandler(v -> transportClosed());
    opened();
  }

  @Override
  protected void writePayload(byte[] payload) {
    ws.writeBinaryMessage(Buffer.buffer(payload));
  }

  @Override
  protected void closeTransport() {
    ws.close();
  }

  @Override
  public boolean webSocket() {
    return true;
  }
}
