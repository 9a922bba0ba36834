package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.RendezvousMessage;
import io.vertx.core.Future;
import java.net.InetSocketAddress;

/**
 * Where the other device's answer (PunchHoleSent, LocalAddr, RelayResponse) goes: the requester's
 * connection, found by the requester's address that the answer carries (docs/protocol.md §5.2). In a
 * cluster the answer may arrive on another node than the one holding that connection.
 */
public interface AnswerRoutes {

  /** {@code sink} waits for answers addressed to {@code requester}; completes once routable. */
  Future<Void> await(InetSocketAddress requester, AnswerSink sink);

  /** The connection closed: forget it, unless another connection took the address since. */
  void cancel(InetSocketAddress requester, AnswerSink sink);

  /** Delivers once; {@code false} when nobody waits under that address. */
  Future<Boolean> deliver(InetSocketAddress requester, RendezvousMessage message);
}
