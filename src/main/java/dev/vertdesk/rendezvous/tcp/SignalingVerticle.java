package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.config.SignalingOptions;
import dev.vertdesk.crypto.ServerHandshake;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.TcpListener;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.rendezvous.SignalingService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import java.util.concurrent.TimeUnit;

/**
 * TCP signaling on the main port (hbbs 21116/tcp): punch-hole and relay requests from the
 * controlling side, answers from the controlled device, NAT test and online queries, TCP-mode
 * registration. A connection that sends no complete frame for {@code idleTimeoutSeconds}, counted
 * from the connect, is closed; a device registered over it keeps it with its heartbeats (§6.5).
 */
public final class SignalingVerticle extends VerticleBase {

  private final NodeCore core;
  private final SignalingService service;
  private final SignalingOptions options;
  private final ConnectionLimiter limiter;
  private NetServer server;

  public SignalingVerticle(NodeCore core, SignalingService service, SignalingOptions options,
                           ConnectionLimiter limiter) {
    this.core = core;
    this.service = service;
    this.options = options;
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    // Secure TCP only when we hold the secret key behind the key clients were given (§6.4).
    ServerHandshake handshake = options.secureTcp() && core.keys().canSign() ? new ServerHandshake(core.keys()) : null;
    long idleMillis = TimeUnit.SECONDS.toMillis(options.idleTimeoutSeconds());
    return TcpListener.listen(vertx, core, limiter, "signaling", options.host(), options.port(),
        socket -> new TcpSignalingConnection(socket, options.maxFrameSize(), handshake, idleMillis, service::handle))
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
