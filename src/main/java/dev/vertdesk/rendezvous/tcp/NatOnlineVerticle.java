package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.config.NatOptions;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.TcpListener;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.rendezvous.SignalingConnection;
import dev.vertdesk.rendezvous.SignalingService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import java.util.concurrent.TimeUnit;

/**
 * NAT test second probe and online queries (hbbs PORT−1, 21115/tcp, docs/protocol.md §5.2): one
 * frame in, at most one frame out, then close. The frame must be complete within
 * {@code firstMessageTimeoutSeconds} of the connect, however it trickles in. Unlike hbbs there is no
 * console on the loopback side: a local client is served like any other.
 */
public final class NatOnlineVerticle extends VerticleBase {

  /** Largest frame a NAT test or online query needs. */
  static final int MAX_FRAME = 65536;

  private final NodeCore core;
  private final SignalingService service;
  private final NatOptions options;
  private final ConnectionLimiter limiter;
  private NetServer server;

  public NatOnlineVerticle(NodeCore core, SignalingService service, NatOptions options, ConnectionLimiter limiter) {
    this.core = core;
    this.service = service;
    this.options = options;
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    long firstMessageMillis = TimeUnit.SECONDS.toMillis(options.firstMessageTimeoutSeconds());
    return TcpListener.listen(vertx, core, limiter, "nat", options.host(), options.port(),
        socket -> new TcpSignalingConnection(socket, MAX_FRAME, null, firstMessageMillis, this::handle))
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
