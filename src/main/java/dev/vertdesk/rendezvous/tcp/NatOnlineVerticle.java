package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.config.NatOptions;
import dev.vertdesk.net.TcpListener;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.rendezvous.SignalingConnection;
import dev.vertdesk.rendezvous.SignalingService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;

/**
 * NAT test second probe and online queries (hbbs PORT−1, 21115/tcp, docs/protocol.md §5.2): one
 * frame in, at most one frame out, then close. Unlike hbbs there is no console on the loopback
 * side: a local client is served like any other.
 */
public final class NatOnlineVerticle extends VerticleBase {

  /** Largest frame a NAT test or online query needs. */
  static final int MAX_FRAME = 65536;

  private final NodeCore core;
  private final SignalingService service;
  private final NatOptions options;
  private NetServer server;

  public NatOnlineVerticle(NodeCore core, SignalingService service, NatOptions options) {
    this.core = core;
    this.service = service;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    return TcpListener.listen(vertx, core, "nat", options.host(), options.port(), options.firstMessageTimeoutSeconds(),
        socket -> new TcpSignalingConnection(socket, MAX_FRAME, null, this::handle))
        .onSuccess(s -> server = s);
  }

  private void handle(SignalingConnection c, RendezvousMessage m) {
    switch (m.getUnionCase()) {
      case TEST_NAT_REQUEST -> service.testNat(c, m.getTestNatRequest().getSerial(), false);
      case ONLINE_REQUEST -> service.online(c, m.getOnlineRequest());
      default -> c.close();
    }
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
