package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.rendezvous.SignalingConnection;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.server.ServerContext;
import dev.vertdesk.server.TcpListener;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;

/**
 * NAT test second probe and online queries (hbbs PORT−1, 21115/tcp, PROTOCOL.md §5.2): one
 * frame in, at most one frame out, then close. Unlike hbbs there is no console on the loopback
 * side: a local client is served like any other.
 */
public final class NatOnlineVerticle extends VerticleBase {

  /** This verticle's settings ({@code verticles.nat.config}). */
  public record Options(String host, int port, int firstMessageTimeoutSeconds) {

    static Options from(VerticleBlock block) {
      return new Options(block.string("host", ""), block.integer("port", 21115, 0, 65535),
          block.integer("firstMessageTimeoutSeconds", 30, 1, 3600));
    }
  }

  private final ServerContext ctx;
  private NetServer server;

  public NatOnlineVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("nat", config()));
    SignalingService service = new SignalingService(vertx, ctx);
    return TcpListener.listen(vertx, ctx, "nat", o.host(), o.port(), o.firstMessageTimeoutSeconds(),
        socket -> new TcpSignalingConnection(socket, 65536, null,
        (SignalingConnection c, dev.vertdesk.proto.RendezvousMessage m) -> {
          switch (m.getUnionCase()) {
            case TEST_NAT_REQUEST -> service.testNat(c, m.getTestNatRequest().getSerial(), false);
            case ONLINE_REQUEST -> service.online(c, m.getOnlineRequest());
            default -> c.close();
          }
        }))
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
