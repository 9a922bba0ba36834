package dev.vertdesk.rendezvous.ws;

import dev.vertdesk.config.WsOptions;
import dev.vertdesk.net.ClientAddress;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.rendezvous.SignalingService;
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

  private final NodeCore core;
  private final SignalingService service;
  private final WsOptions options;
  private HttpServer server;

  public WsSignalingVerticle(NodeCore core, SignalingService service, WsOptions options) {
    this.core = core;
    this.service = service;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    String host = NetworkSupport.bindHost(options.host());
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(options.port())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setAcceptBacklog(4096)
        // read-idle: our heartbeats must not keep a dead client's connection open; this also
        // ends handshakes that never complete
        .setReadIdleTimeout(options.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxWebSocketFrameSize(options.maxMessageSize())
        .setMaxWebSocketMessageSize(options.maxMessageSize())
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false));
    server.requestHandler(req -> req.response().setStatusCode(426).putHeader("Upgrade", "websocket").end());
    server.webSocketHandler(ws -> {
      if (core.drain().draining()) {
        ws.close((short) 1001, "draining"); // 1001 Going Away: no new connections while draining
        return;
      }
      InetSocketAddress peer = new InetSocketAddress(ws.remoteAddress().hostAddress(), ws.remoteAddress().port());
      InetSocketAddress client = ClientAddress.resolve(peer, ws.headers(), core.config().server().trustedProxies());
      new WsSignalingConnection(ws, client, service::handle);
    });
    return server.listen().map(s -> {
      core.ports().bound("ws", s.actualPort());
      LOG.info("ws listening on {}:{}", host, s.actualPort());
      return s;
    }).recover(e -> Future.failedFuture(new IllegalStateException(
        "ws cannot bind " + host + ":" + options.port() + ": " + e.getMessage(), e)));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
