package dev.vertdesk.net;

import dev.vertdesk.node.NodeCore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds a public TCP listener the same way for every verticle, and records its real port. */
public final class TcpListener {

  private static final Logger LOG = LoggerFactory.getLogger(TcpListener.class);

  private TcpListener() {
  }

  /**
   * @param name             listener name, used in logs, errors and {@link NodeCore#ports()}
   * @param readIdleSeconds  close a connection that sends nothing for this long
   */
  public static Future<NetServer> listen(Vertx vertx, NodeCore core, String name, String configuredHost,
                                         int port, int readIdleSeconds, Handler<NetSocket> handler) {
    String host = NetworkSupport.bindHost(configuredHost);
    NetServer server = vertx.createNetServer(new NetServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setAcceptBacklog(4096)
        .setReadIdleTimeout(readIdleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    server.connectHandler(socket -> {
      if (core.drain().draining()) {
        // draining: no new connections (the load balancer sees /health/ready fail)
        socket.close();
        return;
      }
      handler.handle(socket);
    });
    return server.listen()
        .map(s -> {
          core.ports().bound(name, s.actualPort());
          LOG.info("{} listening on {}:{}", name, host, s.actualPort());
          return s;
        })
        .recover(e -> Future.failedFuture(new IllegalStateException(
            name + " cannot bind " + host + ":" + port + ": " + e.getMessage(), e)));
  }
}
