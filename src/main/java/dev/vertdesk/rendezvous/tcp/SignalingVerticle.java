package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.crypto.ServerHandshake;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.server.ServerContext;
import dev.vertdesk.server.TcpListener;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;

/**
 * TCP signaling on the main port (hbbs 21116/tcp): punch-hole and relay requests from the
 * controlling side, answers from the controlled device, NAT test and online queries.
 */
public final class SignalingVerticle extends VerticleBase {

  /** This verticle's settings ({@code verticles.signaling.config}). */
  public record Options(String host, int port, int idleTimeoutSeconds, int maxFrameSize, boolean secureTcp) {

    static Options from(VerticleBlock block) {
      return new Options(block.string("host", ""), block.integer("port", 21116, 0, 65535),
          block.integer("idleTimeoutSeconds", 30, 1, 3600),
          block.integer("maxFrameSize", 65536, 1024, 1 << 24),
          block.bool("secureTcp", true));
    }
  }

  private final ServerContext ctx;
  private NetServer server;

  public SignalingVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("signaling", config()));
    SignalingService service = new SignalingService(vertx, ctx);
    // Secure TCP only when we hold the secret key behind the key clients were given (§6.4).
    ServerHandshake handshake = o.secureTcp() && ctx.keys().canSign() ? new ServerHandshake(ctx.keys()) : null;
    return TcpListener.listen(vertx, ctx, "signaling", o.host(), o.port(), o.idleTimeoutSeconds(),
        socket -> new TcpSignalingConnection(socket, o.maxFrameSize(), handshake, service::handle))
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
