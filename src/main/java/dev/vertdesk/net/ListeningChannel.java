package dev.vertdesk.net;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.impl.NetServerImpl;
import java.lang.reflect.Field;

/**
 * The listening channel behind a Vert.x server, which Vert.x does not expose: connection limits
 * are checked on it, where a refused connection is closed by the acceptor before its descriptor
 * ever reaches an event loop, and failed accepts are reported from it ({@link ConnectionLimiter}).
 * Read from Vert.x 5's own fields ({@code HttpServerImpl.tcpServer}, {@code NetServerImpl.actualServer}
 * and its {@code bindFuture}, shared by every instance of a listener); {@code ListeningChannelTest}
 * fails if an upgrade of Vert.x moves them.
 */
final class ListeningChannel {

  private ListeningChannel() {
  }

  /** The listening channel of a server that is listening. */
  static Channel of(NetServer server) {
    try {
      Object actual = field(NetServerImpl.class, "actualServer").get(server);
      Future<?> bound = (Future<?>) field(NetServerImpl.class, "bindFuture").get(actual);
      if (bound != null && bound.result() instanceof Channel channel) {
        return channel;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot reach the listening channel of " + server.getClass().getName(), e);
    }
    throw new IllegalStateException(server.getClass().getName() + " is not listening");
  }

  /** The listening channel of an HTTP server that is listening. */
  static Channel of(HttpServer server) {
    try {
      return of((NetServer) field(HttpServerImpl.class, "tcpServer").get(server));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot reach the listening channel of " + server.getClass().getName(), e);
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field f = type.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }
}
