package dev.vertdesk.net;

import dev.vertdesk.node.NodeCore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds a public HTTP or WebSocket port the same way for every verticle, and records its real port. */
public final class HttpListener {

  private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);

  private HttpListener() {
  }

  /** Each new connection of {@code server} is admitted within the node's limits, or closed at once. */
  public static void admitEach(HttpServer server, ConnectionLimiter.Listener connections) {
    server.connectionHandler(conn -> connections.admit(((ConnectionBase) conn).channel()));
  }

  /**
   * Listens; once bound, the limits apply on the listening channel too, the port is recorded
   * under {@code name} and logged; a failure to bind names the listener, host and port.
   */
  public static Future<HttpServer> listen(NodeCore core, HttpServer server, ConnectionLimiter.Listener connections,
                                          String name, String host, int port, String details) {
    return server.listen().map(s -> {
      connections.guard(s);
      core.ports().bound(name, s.actualPort());
      LOG.info("{} listening on {}:{}{}", name, host, s.actualPort(), details.isEmpty() ? "" : " (" + details + ")");
      return s;
    }).recover(e -> Future.failedFuture(new IllegalStateException(
        name + " cannot bind " + host + ":" + port + ": " + e.getMessage(), e)));
  }
}
