package dev.vertdesk.rendezvous.ws;

import dev.vertdesk.config.WsOptions;
import dev.vertdesk.net.ClientAddress;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.HttpListener;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.rendezvous.SignalingService;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket rendezvous bridge (hbbs PORT+2, 21118): the web client and native clients in
 * WebSocket mode, on any path (reverse proxies use {@code /ws/id}). It feeds the same signaling
 * logic as TCP, including TCP-mode registration and online queries.
 *
 * <p>Time limits are deadlines, not silence detectors: the upgrade must be complete within
 * {@code idleTimeoutSeconds} of the connect, however slowly its bytes trickle in, and after it the
 * connection must send a complete message at least that often ({@link WsSignalingConnection}).
 */
public final class WsSignalingVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WsSignalingVerticle.class);
  private static final AttributeKey<ScheduledFuture<?>> UPGRADE_DEADLINE =
      AttributeKey.valueOf(WsSignalingVerticle.class, "upgrade-deadline");
  /** WebSocket close code 1013, Try Again Later: the client's address holds all it may. */
  private static final short TRY_AGAIN_LATER = 1013;

  private final NodeCore core;
  private final SignalingService service;
  private final WsOptions options;
  private final ConnectionLimiter limiter;
  private HttpServer server;

  public WsSignalingVerticle(NodeCore core, SignalingService service, WsOptions options, ConnectionLimiter limiter) {
    this.core = core;
    this.service = service;
    this.options = options;
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    String host = NetworkSupport.bindHost(options.host());
    long idleMillis = TimeUnit.SECONDS.toMillis(options.idleTimeoutSeconds());
    ConnectionLimiter.Listener connections = limiter.listener("ws");
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(options.port())
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setAcceptBacklog(4096)
        .setHttp2ClearTextEnabled(false) // WebSocket clients speak HTTP/1.1
        // a connection the server closes (idle, over a limit) waits a second, not Vert.x's ten,
        // for the client's close frame: enough for a real client, little for one that never answers
        .setWebSocketClosingTimeout(1)
        .setMaxWebSocketFrameSize(options.maxMessageSize())
        .setMaxWebSocketMessageSize(options.maxMessageSize())
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false));
    server.connectionHandler(conn -> {
      Channel channel = ((ConnectionBase) conn).channel();
      if (!connections.admit(channel)) {
        return;
      }
      ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
        LOG.debug("{}: no WebSocket upgrade within {} ms", channel.remoteAddress(), idleMillis);
        channel.close();
      }, idleMillis, TimeUnit.MILLISECONDS);
      channel.attr(UPGRADE_DEADLINE).set(deadline);
      channel.closeFuture().addListener(f -> deadline.cancel(false));
    });
    server.requestHandler(req -> req.response().setStatusCode(426).putHeader("Upgrade", "websocket").end());
    server.webSocketHandler(ws -> {
      Channel channel = ((WebSocketInternal) ws).channelHandlerContext().channel();
      ScheduledFuture<?> deadline = channel.attr(UPGRADE_DEADLINE).getAndSet(null);
      if (deadline != null) {
        deadline.cancel(false);
      }
      if (core.drain().draining()) {
        ws.close((short) 1001, "draining"); // 1001 Going Away: no new connections while draining
        return;
      }
      InetSocketAddress peer = new InetSocketAddress(ws.remoteAddress().hostAddress(), ws.remoteAddress().port());
      InetSocketAddress client = ClientAddress.resolve(peer, ws.headers(), core.config().server().trustedProxies());
      if (!ConnectionLimiter.attribute(channel, client.getAddress())) {
        ws.close(TRY_AGAIN_LATER, "too many connections");
        return;
      }
      new WsSignalingConnection(ws, client, idleMillis, service::handle);
    });
    return HttpListener.listen(core, server, connections, "ws", host, options.port(), "");
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
