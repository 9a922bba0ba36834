package dev.vertdesk.rendezvous.ws;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.server.IpRanges;
import dev.vertdesk.server.NetworkSupport;
import dev.vertdesk.server.ServerContext;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket rendezvous bridge (hbbs PORT+2, 21118): the web client and native clients in
 * WebSocket mode, on any path (reverse proxies use {@code /ws/id}). It feeds the same signaling
 * logic as TCP, including TCP-mode registration and online queries.
 */
public final class WsSignalingVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WsSignalingVerticle.class);

  /** This verticle's settings ({@code verticles.ws.config}). */
  public record Options(String host, int port, int idleTimeoutSeconds, int maxMessageSize) {

    static Options from(VerticleBlock block) {
      return new Options(block.string("host", ""), block.integer("port", 21118, 0, 65535),
          block.integer("idleTimeoutSeconds", 30, 1, 3600),
          block.integer("maxMessageSize", 65536, 1024, 1 << 24));
    }
  }

  private final ServerContext ctx;
  private HttpServer server;

  public WsSignalingVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("ws", config()));
    IpRanges trusted = IpRanges.parse("trustedProxies", ctx.config().trustedProxies());
    SignalingService service = new SignalingService(vertx, ctx);
    String host = NetworkSupport.bindHost(o.host());
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(o.port())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setAcceptBacklog(4096)
        // read-idle: our heartbeats must not keep a dead client's connection open; this also
        // ends handshakes that never complete
        .setReadIdleTimeout(o.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxWebSocketFrameSize(o.maxMessageSize())
        .setMaxWebSocketMessageSize(o.maxMessageSize())
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false));
    server.requestHandler(req -> req.response().setStatusCode(426).putHeader("Upgrade", "websocket").end());
    server.webSocketHandler(ws -> {
      if (ctx.drain().draining()) {
        ws.close((short) 1001, "draining"); // 1001 Going Away: no new connections while draining
        return;
      }
      InetSocketAddress peer = new InetSocketAddress(ws.remoteAddress().hostAddress(), ws.remoteAddress().port());
      new WsSignalingConnection(ws, ClientAddress.resolve(peer, ws.headers(), trusted), service::handle);
    });
    return server.listen().map(s -> {
      ctx.boundPorts().put("ws", s.actualPort());
      LOG.info("ws listening on {}:{}", host, s.actualPort());
      return s;
    }).recover(e -> Future.failedFuture(new IllegalStateException(
        "ws cannot bind " + host + ":" + o.port() + ": " + e.getMessage(), e)));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
