package dev.vertdesk.relay;

import dev.vertdesk.config.RelayOptions;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * A relay port, TCP ({@link RelayVerticle}) or WebSocket ({@link WsRelayVerticle}): each instance
 * serves the node's {@link RelayHub} and runs a Netty server channel on its own event loop with the
 * relay's socket options, checks the blocklist and the node's connection limits at accept, keeps
 * the group of its connections, drains and stops. The two ports differ only in the pipeline each
 * connection gets.
 *
 * <p>Draining ({@link NodeCore#drain()}): the listening socket closes, so new connections are
 * refused, while live sessions go on until the drain deadline; then every connection is closed.
 */
abstract class RelayPortVerticle extends VerticleBase {

  /** Sets up the pipeline of an accepted connection, whose reads {@code reads} sizes. */
  interface Pipeline {
    void init(Channel ch, CappedRecvAllocator reads);
  }

  protected final NodeCore core;
  protected final RelayHub hub;
  protected final RelayOptions relay;
  private final ConnectionLimiter limiter;
  private final String name;
  private final Logger log;
  private Channel server;
  private ChannelGroup connections;
  private long drainTimer = -1;
  private boolean stopped;

  /**
   * @param relay   the relay's rules ({@code verticles.relay.config}), for both ports
   * @param limiter the node's connection limits
   * @param name    the port's name in logs, events, limits and {@link NodeCore#ports()}
   * @param log     the verticle's logger
   */
  RelayPortVerticle(NodeCore core, RelayHub hub, RelayOptions relay, ConnectionLimiter limiter, String name,
                    Logger log) {
    this.core = core;
    this.hub = hub;
    this.relay = relay;
    this.limiter = limiter;
    this.name = name;
    this.log = log;
  }

  /** The relay's admission rules for this listener's connections. */
  final ChannelRelayEndpoint.Admission admission() {
    Optional<String> key = relay.checkKey() ? core.keys().validationKey() : Optional.empty();
    return new ChannelRelayEndpoint.Admission(hub, key, relay.brokeredOnly(),
        TimeUnit.SECONDS.toMillis(relay.firstMessageTimeoutSeconds()),
        TimeUnit.SECONDS.toMillis(relay.pairTimeoutSeconds()), relay.maxFrameSize());
  }

  /**
   * Binds {@code configuredHost:port} with the relay's socket options and hands each accepted
   * connection to {@code pipeline}, unless the node drains, the client is on the blocklist or a
   * connection limit is reached.
   *
   * @param details what the start line says about the listener's rules
   */
  final Future<Void> bind(String configuredHost, int port, String details, Pipeline pipeline) {
    VertxInternal vx = (VertxInternal) vertx;
    ContextInternal context = (ContextInternal) this.context;
    EventLoop loop = context.nettyEventLoop();
    String host = NetworkSupport.bindHost(configuredHost);
    connections = new DefaultChannelGroup(name, loop);
    AccessLists access = hub.access();
    ConnectionLimiter.Listener limits = limiter.listener(name);
    ByteBufAllocator allocator = relay.pooledBuffers() ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loop, loop)
        .channelFactory((ChannelFactory<ServerChannel>) vx.transport().serverChannelFactory(false))
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOCATOR, allocator)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(relay.writeHighWaterMark() / 2, relay.writeHighWaterMark()))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (core.drain().draining()) {
              ch.close(); // accepted just before the listener closed for the drain
              return;
            }
            // the TCP peer (a proxy, perhaps) as hbbr; a WebSocket's forwarded address after the upgrade
            InetSocketAddress r = (InetSocketAddress) ch.remoteAddress();
            if (r != null && access.blocked(AccessLists.normalize(r.getAddress()))) {
              log.debug("refused {}: blocklist", r);
              core.events().rejected(name, "blocklist", AccessLists.normalize(r.getAddress()), "");
              ch.close();
              return;
            }
            if (!limits.admit(ch)) {
              return;
            }
            connections.add(ch);
            CappedRecvAllocator reads = new CappedRecvAllocator(relay.readBufferSize());
            ch.config().setRecvByteBufAllocator(reads);
            pipeline.init(ch, reads);
          }
        });
    if (Epoll.isAvailable() && vx.isNativeTransportEnabled()) {
      // several instances share the port; the kernel spreads connections over them
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    Promise<Void> bound = Promise.promise();
    ChannelFuture bind = bootstrap.bind(host, port);
    bind.addListener(f -> {
      if (f.isSuccess()) {
        server = bind.channel();
        int actual = ((InetSocketAddress) server.localAddress()).getPort();
        core.ports().bound(name, actual);
        limits.guard(server);
        core.drain().onBegin(() -> context.runOnContext(v -> drain()));
        log.info("{} listening on {}:{} ({})", name, host, actual, details);
        bound.complete();
      } else {
        bound.fail(new IllegalStateException(
            name + " cannot bind " + host + ":" + port + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future();
  }

  private void drain() {
    if (stopped || server == null || drainTimer >= 0) {
      return;
    }
    server.close();
    core.ports().released(name);
    long left = Math.max(1, core.drain().deadlineMillis() - System.currentTimeMillis());
    log.info("{} draining: listener closed, live sessions are closed in {} ms", name, left);
    drainTimer = vertx.setTimer(left, t -> {
      if (!connections.isEmpty()) {
        log.info("{} drain deadline: closing {} connections", name, connections.size());
        connections.close();
      }
    });
  }

  /** Closes the listener and every connection. */
  @Override
  public Future<?> stop() {
    stopped = true;
    if (drainTimer >= 0) {
      vertx.cancelTimer(drainTimer);
    }
    if (server == null) {
      return Future.succeededFuture();
    }
    core.ports().released(name);
    Promise<Void> done = Promise.promise();
    server.close().addListener(f -> connections.close().addListener(g -> done.complete()));
    return done.future();
  }
}
