package dev.vertdesk.net;

import dev.vertdesk.node.NodeCore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds a public TCP listener the same way for every verticle, admits its connections through the
 * node's {@link ConnectionLimiter}, and records its real port. Time limits are the connection
 * handler's: only it knows what a complete message is.
 */
public final class TcpListener {

  private static final Logger LOG = LoggerFactory.getLogger(TcpListener.class);

  private TcpListener() {
  }

  /**
   * @param name listener name, used in logs, errors, limits and {@link NodeCore#ports()}
   */
  public static Future<NetServer> listen(Vertx vertx, NodeCore core, ConnectionLimiter limiter, String name,
                                         String configuredHost, int port, Handler<NetSocket> handler) {
    String host = NetworkSupport.bindHost(configuredHost);
    ConnectionLimiter.Listener connections = limiter.listener(name);
    NetServer server = vertx.createNetServer(new NetServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setAcceptBacklog(4096));
    server.connectHandler(socket -> {
      if (core.drain().draining()) {
        // draining: no new connections (the load balancer sees /health/ready fail)
        socket.close();
        return;
      }
      if (connections.admit(((NetSocketInternal) socket).channelHandlerContext().channel())) {
        handler.handle(socket);
      }
    });
    return server.listen()
        .map(s -> {
          connections.guard(s);
          core.ports().bound(name, s.actualPort());
          LOG.info("{} listening on {}:{}", name, host, s.actualPort());
          return s;
        })
        .recover(e -> Future.failedFuture(new IllegalStateException(
            name + " cannot bind " + host + ":" + port + ": " + e.getMessage(), e)));
  }
}
