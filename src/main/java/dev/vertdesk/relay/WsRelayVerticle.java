package dev.vertdesk.relay;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.server.IpRanges;
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
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket relay (hbbr's relay port + 2, 21119 by default): the web client and clients in
 * WebSocket mode relay through it, on any path ({@code /ws/relay} behind a reverse proxy). Each
 * binary message carries one peer message (PROTOCOL.md §2.3); a WebSocket end pairs with a TCP
 * end or another WebSocket end by uuid, and mixed pairs are re-framed (§7.3).
 *
 * <p>It is the TCP relay's second door, not a second relay: it shares the node's
 * {@link RelayHub} (waiting table, live sessions, total bandwidth, access lists) with
 * {@link RelayVerticle}, and takes the relay rules (key check, brokered only, timeouts, bandwidth,
 * socket buffers) from {@code verticles.relay.config}, whether or not the TCP relay runs on this
 * node. Its own block ({@code verticles.wsrelay.config}) holds only what is WebSocket-specific.
 * The client address comes from {@code X-Real-IP} / {@code X-Forwarded-For} only behind a trusted
 * proxy ({@code trustedProxies}), and the blocklist is checked for both the TCP peer and that
 * address.
 */
public final class WsRelayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WsRelayVerticle.class);
  /** Largest request line and header block of the upgrade request. */
  static final int MAX_HTTP_LINE = 4096;
  static final int MAX_HTTP_HEADERS = 8192;

  /**
   * This verticle's settings ({@code verticles.wsrelay.config}).
   *
   * @param handshakeTimeoutSeconds time from the TCP connect to a complete upgrade request
   * @param maxMessageSize          largest message a paired client may send, fragments included
   */
  public record Options(String host, int port, int handshakeTimeoutSeconds, int maxMessageSize) {

    static Options from(VerticleBlock block) {
      return new Options(
          block.string("host", ""),
          block.integer("port", 21119, 0, 65535),
          block.integer("handshakeTimeoutSeconds", 10, 1, 3600),
          block.integer("maxMessageSize", 16 << 20, 1024, 64 << 20));
    }
  }

  /**
   * hbbr's rule, WebSocket relay = relay port + 2, for a node whose {@code verticles.relay.config}
   * sets a port of its own; empty when it does not (then the base port + 3 applies).
   */
  public static OptionalInt portFollowingRelay(JsonObject verticles) {
    if (verticles == null || !(verticles.getValue("relay") instanceof JsonObject)) {
      return OptionalInt.empty();
    }
    VerticleBlock relay = VerticleBlock.from("relay", verticles);
    if (relay.config().getValue("port") == null) {
      return OptionalInt.empty();
    }
    int port = relay.integer("port", 0, 0, 65535);
    return port > 0 && port + 2 <= 65535 ? OptionalInt.of(port + 2) : OptionalInt.empty();
  }

  private final ServerContext ctx;
  private RelayHub hub;
  private Channel server;
  private ChannelGroup connections;

  public WsRelayVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  /** The node's live relay sessions, TCP and WebSocket alike. */
  public RelaySessions sessions() {
    return hub.sessions();
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("wsrelay", config()));
    // the relay's rules, from its own block (the port and host there are not used)
    RelayVerticle.Options relay = RelayVerticle.Options.from(VerticleBlock.from("relay", ctx.config().verticles()));
    IpRanges trusted = IpRanges.parse("trustedProxies", ctx.config().trustedProxies());
    ContextInternal context = (ContextInternal) this.context;
    return RelayHub.acquire(ctx, vertx, context, relay.policy(), relay.accessListPollMillis())
        .compose(h -> {
          hub = h;
          return bind(o, relay, trusted, context);
        });
  }

  private Future<Void> bind(Options o, RelayVerticle.Options relay, IpRanges trusted, ContextInternal context) {
    VertxInternal vx = (VertxInternal) vertx;
    EventLoop loop = context.nettyEventLoop();
    String host = NetworkSupport.bindHost(o.host());
    Optional<String> key = relay.checkKey() ? ctx.keys().validationKey() : Optional.empty();
    WsRelayEndpoint.Settings settings = new WsRelayEndpoint.Settings(hub, key, relay.brokeredOnly(), trusted,
        TimeUnit.SECONDS.toMillis(o.handshakeTimeoutSeconds()),
        TimeUnit.SECONDS.toMillis(relay.firstMessageTimeoutSeconds()),
        TimeUnit.SECONDS.toMillis(relay.pairTimeoutSeconds()), relay.maxFrameSize(), o.maxMessageSize());
    connections = new DefaultChannelGroup("wsrelay", loop);
    AccessLists access = hub.access();
    ByteBufAllocator allocator = relay.pooledBuffers() ? PooledByteBufAllocator.DEFAULT : ByteBufAllocator.DEFAULT;
    HttpDecoderConfig http = new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_HTTP_LINE)
        .setMaxHeaderSize(MAX_HTTP_HEADERS);
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
            InetSocketAddress r = (InetSocketAddress) ch.remoteAddress();
            // the TCP peer (a proxy, perhaps) first, as hbbr; the forwarded address after the upgrade
            if (r != null && access.blocked(AccessLists.normalize(r.getAddress()))) {
              LOG.debug("refused {}: blocklist", r);
              ctx.events().rejected("wsrelay", "blocklist", AccessLists.normalize(r.getAddress()), "");
              ch.close();
              return;
            }
            connections.add(ch);
            CappedRecvAllocator reads = new CappedRecvAllocator(relay.readBufferSize());
            ch.config().setRecvByteBufAllocator(reads);
            WsRelayEndpoint endpoint = new WsRelayEndpoint(settings, reads);
            // the encoder goes before the decoder so that the WebSocket encoder, which the upgrade
            // puts in its place, also carries the close frames the WebSocket decoder sends
            ch.pipeline()
                .addLast("budget", endpoint.budget())
                .addLast("http-encoder", new HttpResponseEncoder())
                .addLast("http-decoder", new HttpRequestDecoder(http))
                .addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_HEADERS))
                .addLast("relay", endpoint);
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
        ctx.boundPorts().put("wsrelay", port);
        LOG.info("wsrelay listening on {}:{} (key check {}, brokered only {}, max message {} bytes)",
            host, port, key.isPresent() ? "on" : "off", relay.brokeredOnly(), o.maxMessageSize());
        bound.complete();
      } else {
        bound.fail(new IllegalStateException(
            "wsrelay cannot bind " + host + ":" + o.port() + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future();
  }

  @Override
  public Future<?> stop() {
    Promise<Void> done = Promise.promise();
    Runnable finish = () -> {
      if (hub != null) {
        hub.release();
        hub = null;
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
