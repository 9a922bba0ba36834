package dev.vertdesk.relay;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.server.NetworkSupport;
import dev.vertdesk.server.ServerContext;
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
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay (RustDesk's hbbr, PROTOCOL.md §7) on its TCP port, 21117 by default (the base port
 * + 1). Each instance runs a Netty server channel on its own Vert.x event loop and keeps its
 * connections there; pairing, usage, limits and the access lists are shared by all instances
 * of the node through {@link RelayHub}.
 *
 * <p>Differences from hbbr, on purpose: the key is checked by default ({@code checkKey}); a
 * client on loopback is relayed like any other (there is no admin console on this port); blacklist
 * and blocklist entries match however the client's address was reported (IPv4-mapped or not);
 * {@code 0} or a negative bandwidth means unlimited.
 */
public final class RelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);

  /**
   * This verticle's settings ({@code verticles.relay.config}).
   *
   * @param checkKey           close a RequestRelay whose licence_key differs from the server's key
   *                           (when the server has one)
   * @param brokeredOnly       accept only uuids our signaling handed out within the last minute
   * @param readBufferSize     largest single read from a socket, bytes
   * @param writeHighWaterMark bytes queued for one client before its peer stops being read
   */
  public record Options(String host, int port, boolean checkKey, boolean brokeredOnly,
                        int firstMessageTimeoutSeconds, int pairTimeoutSeconds, int idleTimeoutSeconds,
                        int maxFrameSize, double totalBandwidth, double singleBandwidth, double limitSpeed,
                        double downgradeThreshold, double downgradeStartCheck, int accessListPollMillis,
                        int readBufferSize, int writeHighWaterMark, boolean pooledBuffers) {

    static Options from(VerticleBlock block) {
      JsonObject c = block.config();
      return new Options(
          block.string("host", ""),
          block.integer("port", 21117, 0, 65535),
          block.bool("checkKey", true),
          block.bool("brokeredOnly", false),
          block.integer("firstMessageTimeoutSeconds", 30, 1, 3600),
          block.integer("pairTimeoutSeconds", 30, 1, 3600),
          block.integer("idleTimeoutSeconds", 30, 1, 86_400),
          block.integer("maxFrameSize", 16384, 64, 1 << 20),
          decimal(c, "totalBandwidth", 1024),
          decimal(c, "singleBandwidth", 128),
          decimal(c, "limitSpeed", 32),
          decimal(c, "downgradeThreshold", 0.66),
          decimal(c, "downgradeStartCheck", 1800),
          block.integer("accessListPollMillis", 1000, 100, 60_000),
          block.integer("readBufferSize", 256 * 1024, 1024, 4 << 20),
          block.integer("writeHighWaterMark", 256 * 1024, 8 * 1024, 64 << 20),
          block.bool("pooledBuffers", true));
    }

    RelayPolicy policy() {
      return new RelayPolicy(totalBandwidth, singleBandwidth, limitSpeed, downgradeThreshold,
          (long) (downgradeStartCheck * 1000), TimeUnit.SECONDS.toNanos(idleTimeoutSeconds));
    }

    private static double decimal(JsonObject c, String key, double def) {
      Object v = c.getValue(key);
      if (v == null || (v instanceof String s && s.isBlank())) {
        return def;
      }
      double d;
      try {
        d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException("verticles.relay.config." + key, "not a number: " + v);
      }
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new ConfigException("verticles.relay.config." + key, "not a finite number: " + v);
      }
      return d;
    }
  }

  private final ServerContext ctx;
  private RelayHub hub;
  private Channel server;
  private ChannelGroup connections;
  private long drainTimer = -1;
  private boolean stopped;

  public RelayVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  /** The node's live relay sessions (shared by all instances). */
  public RelaySessions sessions() {
    return hub.sessions();
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("relay", config()));
    ContextInternal context = (ContextInternal) this.context;
    return RelayHub.acquire(ctx, vertx, context, o.policy(), o.accessListPollMillis())
        .compose(h -> {
          hub = h;
          return bind(o, context);
        });
  }

  private Future<Void> bind(Options o, ContextInternal context) {
    VertxInternal vx = (VertxInternal) vertx;
    EventLoop loop = context.nettyEventLoop();
    String host = NetworkSupport.bindHost(o.host());
    Optional<String> key = o.checkKey() ? ctx.keys().validationKey() : Optional.empty();
    TcpRelayEndpoint.Settings settings = new TcpRelayEndpoint.Settings(hub, key, o.brokeredOnly(),
        TimeUnit.SECONDS.toMillis(o.firstMessageTimeoutSeconds()),
        TimeUnit.SECONDS.toMillis(o.pairTimeoutSeconds()), o.maxFrameSize());
    connections = new DefaultChannelGroup("relay", loop);
    AccessLists access = hub.access();
    ByteBufAllocator allocator = o.pooledBuffers() ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loop, loop)
        .channelFactory((ChannelFactory<ServerChannel>) vx.transport().serverChannelFactory(false))
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOCATOR, allocator)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(o.writeHighWaterMark() / 2, o.writeHighWaterMark()))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (ctx.drain().draining()) {
              ch.close(); // accepted just before the listener closed for the drain
              return;
            }
            InetSocketAddress r = (InetSocketAddress) ch.remoteAddress();
            if (r != null && access.blocked(AccessLists.normalize(r.getAddress()))) {
              LOG.debug("refused {}: blocklist", r);
              ctx.events().rejected("relay", "blocklist", AccessLists.normalize(r.getAddress()), "");
              ch.close();
              return;
            }
            connections.add(ch);
            CappedRecvAllocator reads = new CappedRecvAllocator(o.readBufferSize());
            ch.config().setRecvByteBufAllocator(reads);
            ch.pipeline().addLast(new TcpRelayEndpoint(settings, reads));
          }
        });
    if (Epoll.isAvailable() && vx.isNativeTransportEnabled()) {
      // several instances share the port; the kernel spreads connections over them
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    Promise<Void> bound = Promise.promise();
    ChannelFuture bind = bootstrap.bind(host, o.port());
    bind.addListener(f -> {
      if (f.isSuccess()) {
        server = bind.channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        ctx.boundPorts().put("relay", port);
        ctx.drain().onBegin(() -> context.runOnContext(v -> drain()));
        LOG.info("relay listening on {}:{} (key check {}, brokered only {}, total/single/slow {}/{}/{} Mb/s)",
            host, port, key.isPresent() ? "on" : "off", o.brokeredOnly(), limit(o.totalBandwidth()),
            limit(o.singleBandwidth()), limit(o.limitSpeed()));
        bound.complete();
      } else {
        bound.fail(new IllegalStateException(
            "relay cannot bind " + host + ":" + o.port() + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future();
  }

  private static String limit(double mbps) {
    return mbps > 0 ? (mbps == Math.rint(mbps) ? Long.toString((long) mbps) : Double.toString(mbps)) : "unlimited";
  }

  /**
   * Draining ({@link ServerContext#drain()}): the listening socket closes, so new connections are
   * refused, while live sessions go on until the drain deadline; then every connection is closed.
   */
  private void drain() {
    if (stopped || server == null || drainTimer >= 0) {
      return;
    }
    server.close();
    long left = Math.max(1, ctx.drain().deadlineMillis() - System.currentTimeMillis());
    LOG.info("relay draining: listener closed, live sessions are closed in {} ms", left);
    drainTimer = vertx.setTimer(left, t -> {
      if (!connections.isEmpty()) {
        LOG.info("relay drain deadline: closing {} connections", connections.size());
        connections.close();
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (drainTimer >= 0) {
      vertx.cancelTimer(drainTimer);
    }
    Promise<Void> done = Promise.promise();
    Runnable finish = () -> {
      if (hub != null) {
        hub.release();
      }
      done.complete();
    };
    if (server == null) {
      finish.run();
      return done.future();
    }
    server.close().addListener(f -> connections.close().addListener(g -> finish.run()));
    return done.future();
  }
}
