package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.RendezvousMessage;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * What the signaling logic needs from one client connection, whatever carries it: TCP frames or
 * WebSocket messages, in clear or encrypted after a KeyExchange ({@link SignalingSession}).
 */
public interface SignalingConnection extends AnswerSink {

  /** The client's address, normalised (IPv4-mapped IPv6 turned into IPv4). */
  InetSocketAddress remote();

  boolean webSocket();

  /**
   * True once the client completed the secure-TCP handshake (docs/protocol.md §6.4): everything
   * it sends is then encrypted, and only then is it served what carries passwords and tokens.
   */
  default boolean secured() {
    return false;
  }

  void send(RendezvousMessage message);

  /** An empty frame: the keep-alive of TCP-mode registration, written in clear (§6.5). */
  void sendHeartbeat();

  /** From now on an empty frame from the client is a heartbeat echo and runs {@code action}. */
  void onHeartbeat(Runnable action);

  /** Closes once pending writes are flushed. */
  void close();

  /** Called once the connection is gone, so routing entries can be dropped. */
  void onClose(Runnable action);

  /**
   * Counts one request that waits for an answer on this connection (PunchHoleRequest,
   * RequestRelay) and returns how many there were, this one included.
   */
  int countRequest();

  /**
   * The connection's answer route: {@code create} runs for the first request only, later ones
   * get the same future (hbbs moves a connection into {@code tcp_punch} once, §5.2).
   */
  Future<Void> answerRoute(Supplier<Future<Void>> create);

  @Override
  default void deliver(RendezvousMessage message) {
    send(message);
  }
}
