package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.RendezvousMessage;
import java.net.InetSocketAddress;

/**
 * What the signaling logic needs from one client connection, whatever carries it (TCP frames
 * today, WebSocket messages next): a thin adapter per transport implements it.
 */
public interface SignalingConnection extends AnswerSink {

  /** The client's address, normalised (IPv4-mapped IPv6 turned into IPv4). */
  InetSocketAddress remote();

  boolean webSocket();

  void send(RendezvousMessage message);

  /** Closes once pending writes are flushed. */
  void close();

  /** Called once the connection is gone, so routing entries can be dropped. */
  void onClose(Runnable action);

  @Override
  default void deliver(RendezvousMessage message) {
    send(message);
  }
}
