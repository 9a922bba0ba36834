package dev.vertdesk.rendezvous;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.SecretStream;
import dev.vertdesk.crypto.ServerHandshake;
import dev.vertdesk.proto.KeyExchange;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transport-independent part of a signaling connection: optional secure-TCP handshake and
 * encryption (docs/protocol.md §6.4), heartbeats of TCP-mode registration (§6.5), message parsing,
 * the time limit and close bookkeeping. A transport adapter feeds it whole payloads (one per frame
 * or WebSocket message) and writes what it hands back. Used from the connection's event loop only.
 *
 * <p>The time limit counts complete messages only, from the connect: a connection that sends no
 * complete message for that long is closed, however many bytes of an unfinished one trickle in
 * (a silence detector would let one byte every few seconds hold the connection forever). A device
 * registered over the connection keeps it with its heartbeats, which are complete empty frames.
 */
public abstract class SignalingSession implements SignalingConnection {

  private static final Logger LOG = LoggerFactory.getLogger(SignalingSession.class);
  private static final byte[] EMPTY = new byte[0];

  private final Context context;
  private final InetSocketAddress remote;
  private final BiConsumer<SignalingConnection, RendezvousMessage> handler;
  private final ServerHandshake handshake;
  private final long idleMillis;
  private long lastMessageNanos;
  private long idleTimer = -1;
  private boolean handshakeOpen;
  private SecretStream secure;
  private boolean closing;
  private boolean transportGone;
  private Runnable heartbeatAction;
  private final List<Runnable> closeActions = new ArrayList<>(2);
  private int requests;
  private Future<Void> answerRoute;

  /**
   * @param handshake  the server's signed offer, or null where clients never run it (WebSocket,
   *                   the NAT port, a server without a signing key)
   * @param idleMillis how long the connection may go without a complete message, counted from
   *                   the connect
   */
  protected SignalingSession(Context context, InetSocketAddress remote, ServerHandshake handshake, long idleMillis,
                             BiConsumer<SignalingConnection, RendezvousMessage> handler) {
    this.context = context;
    this.remote = remote;
    this.handshake = handshake;
    this.idleMillis = idleMillis;
    this.handler = handler;
  }

  /** Writes one payload as one frame or message. */
  protected abstract void writePayload(byte[] payload);

  protected abstract void closeTransport();

  /** Call once the transport is up: starts the time limit, offers the KeyExchange first, in clear. */
  protected final void opened() {
    lastMessageNanos = System.nanoTime();
    armIdleTimer(idleMillis);
    if (handshake != null) {
      handshakeOpen = true;
      writePayload(RendezvousMessage.newBuilder().setKeyExchange(
          KeyExchange.newBuilder().addKeys(ByteString.copyFrom(handshake.offer()))).build().toByteArray());
    }
  }

  /** Call when the transport is gone, whoever closed it. */
  protected final void transportClosed() {
    closing = true;
    transportGone = true;
    if (idleTimer >= 0) {
      context.owner().cancelTimer(idleTimer);
      idleTimer = -1;
    }
    List<Runnable> actions = new ArrayList<>(closeActions);
    closeActions.clear();
    actions.forEach(Runnable::run);
  }

  /** One received payload; false once the session is closing and nothing more should be read. */
  protected final boolean onPayload(byte[] payload) {
    if (closing) {
      return false;
    }
    activity();
    byte[] plain = secure == null ? payload : secure.open(payload);
    if (plain == null) {
      close(); // a frame that does not decrypt is fatal for the stream (§6.4)
      return false;
    }
    if (plain.length == 0) {
      if (heartbeatAction != null) {
        heartbeatAction.run();
        return true;
      }
      close(); // as hbbs: an empty frame on a plain connection ends it
      return false;
    }
    RendezvousMessage m = Envelopes.parse(plain);
    if (m == null || m.getUnionCase() == RendezvousMessage.UnionCase.UNION_NOT_SET) {
      close();
      return false;
    }
    if (handshakeOpen) {
      handshakeOpen = false;
      if (m.getUnionCase() == RendezvousMessage.UnionCase.KEY_EXCHANGE) {
        List<byte[]> keys = new ArrayList<>();
        m.getKeyExchange().getKeysList().forEach(k -> keys.add(k.toByteArray()));
        secure = handshake.accept(keys);
        if (secure == null) {
          close();
          return false;
        }
        return true;
      }
      // a client that ignores the offer goes on in clear
    }
    handler.accept(this, m);
    return !closing;
  }

  /** A complete message that carries no payload (a WebSocket ping, pong or text message) arrived. */
  protected final void activity() {
    lastMessageNanos = System.nanoTime();
  }

  /** One timer per connection, moved on when it fires rather than on every message. */
  private void armIdleTimer(long delayMillis) {
    idleTimer = ((ContextInternal) context).setTimer(Math.max(1, delayMillis), id -> checkIdle());
  }

  private void checkIdle() {
    idleTimer = -1;
    if (closing) {
      return;
    }
    long quietMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastMessageNanos);
    if (quietMillis >= idleMillis) {
      LOG.debug("closing {}: no complete message for {} ms", remote, quietMillis);
      close();
    } else {
      armIdleTimer(idleMillis - quietMillis);
    }
  }

  /**
   * A frame over the size limit was announced: true to have its payload skipped unread. On a
   * secured connection the only such frames clients send are tunnelled API requests with large
   * bodies (§5.4.13): they are refused with an error the user sees, and the stream goes on, within
   * the connection's request budget. Anywhere else the connection is closed, as always.
   */
  protected final boolean skipOversized(long length, int limit) {
    if (closing || secure == null) {
      return false;
    }
    secure.skipReceived(); // sealed with the next nonce, like any frame
    if (countRequest() > SignalingService.MAX_REQUESTS_PER_CONNECTION) {
      return false;
    }
    send(ApiTunnel.error("The request is larger than the " + limit
        + " bytes a rendezvous connection accepts (" + length + " bytes)"));
    return true;
  }

  @Override
  public boolean secured() {
    return secure != null;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  /**
   * Thread-safe: answers routed from another connection and device messages arrive on other
   * event loops, and the cipher's nonce counter must advance in write order.
   */
  @Override
  public void send(RendezvousMessage message) {
    onContext(() -> {
      if (!closing) {
        byte[] bytes = message.toByteArray();
        writePayload(secure == null ? bytes : secure.seal(bytes));
      }
    });
  }

  @Override
  public void sendHeartbeat() {
    onContext(() -> {
      if (!closing) {
        writePayload(EMPTY);
      }
    });
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  @Override
  public void onHeartbeat(Runnable action) {
    heartbeatAction = action;
  }

  @Override
  public void close() {
    onContext(() -> {
      if (!closing) {
        closing = true;
        closeTransport();
      }
    });
  }

  @Override
  public int countRequest() {
    return ++requests;
  }

  @Override
  public Future<Void> answerRoute(Supplier<Future<Void>> create) {
    if (answerRoute == null) {
      answerRoute = create.get();
    }
    return answerRoute;
  }

  @Override
  public void onClose(Runnable action) {
    if (transportGone) {
      action.run();
    } else {
      closeActions.add(action);
    }
  }
}
