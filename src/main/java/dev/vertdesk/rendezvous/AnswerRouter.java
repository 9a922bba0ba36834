package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.RendezvousMessage;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * hbbs' {@code tcp_punch}: requesters' connections keyed by their normalised address. B's
 * answer carries A's address (mangled), and is delivered to A's connection exactly once
 * (docs/protocol.md §5.2, §12 item 5). This node's connections only.
 */
public final class AnswerRouter implements AnswerRoutes {

  private final ConcurrentHashMap<InetSocketAddress, AnswerSink> waiting = new ConcurrentHashMap<>();

  @Override
  public Future<Void> await(InetSocketAddress requester, AnswerSink sink) {
    register(requester, sink);
    return Future.succeededFuture();
  }

  @Override
  public void cancel(InetSocketAddress requester, AnswerSink sink) {
    unregister(requester, sink);
  }

  @Override
  public Future<Boolean> deliver(InetSocketAddress requester, RendezvousMessage message) {
    return Future.succeededFuture(deliverHere(requester, message));
  }

  public void register(InetSocketAddress requester, AnswerSink sink) {
    waiting.put(requester, sink);
  }

  /** Removes the entry only if it still belongs to {@code sink} (the connection closed). */
  public void unregister(InetSocketAddress requester, AnswerSink sink) {
    waiting.remove(requester, sink);
  }

  /** Delivers and forgets; false when nobody waits under that address. */
  public boolean deliverHere(InetSocketAddress requester, RendezvousMessage message) {
    AnswerSink sink = waiting.remove(requester);
    if (sink == null) {
      return false;
    }
    sink.deliver(message);
    return true;
  }
}
