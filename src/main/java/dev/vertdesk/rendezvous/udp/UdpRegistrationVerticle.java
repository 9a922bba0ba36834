package dev.vertdesk.rendezvous.udp;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.ConfigUpdate;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.SoftwareUpdate;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.registry.HeartbeatOutcome;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.server.NetworkSupport;
import dev.vertdesk.server.ServerContext;
import dev.vertdesk.server.ServerContext.ConfigUpdateState;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP registration (hbbs port 21116/udp, PROTOCOL.md §5.4.1, §5.4.2, §5.4.10, §5.4.11): device
 * heartbeats and key registration, and every server-to-device datagram. It runs a Netty
 * datagram channel of Vert.x's own transport on this verticle's event loop: Vert.x's
 * DatagramSocket costs a third of the throughput and its receive-buffer option also sizes every
 * read buffer (PERF.md §B).
 */
public final class UdpRegistrationVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(UdpRegistrationVerticle.class);
  /** Legit datagrams are a few hundred bytes; a larger one is truncated and fails to parse. */
  static final int MAX_DATAGRAM = 4096;

  /** This verticle's settings ({@code verticles.udp.config}). */
  public record Options(String host, int port, int rmem) {

    static Options from(VerticleBlock block) {
      return new Options(block.string("host", ""), block.integer("port", 21116, 0, 65535),
          block.integer("rmem", 4 << 20, 0, 1 << 30));
    }
  }

  private final ServerContext ctx;
  private final LongAdder dropped = new LongAdder();
  private Channel channel;
  private MessageConsumer<DatagramSend> sendConsumer;
  /** Vert.x's own datagram series (vertx_datagram_*), fed from the Netty channel; no-op without metrics. */
  private DatagramSocketMetrics metrics = new DatagramSocketMetrics() { };

  public UdpRegistrationVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Options options = Options.from(VerticleBlock.ofConfig("udp", config()));
    ContextInternal context = (ContextInternal) this.context;
    String host = NetworkSupport.bindHost(options.host());
    InternetProtocolFamily family = host.contains(":") ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4;
    VertxInternal vx = (VertxInternal) vertx;
    Bootstrap bootstrap = new Bootstrap()
        .group(context.nettyEventLoop())
        .channelFactory((ChannelFactory<DatagramChannel>) () -> vx.transport().datagramChannel(family))
        .option(ChannelOption.RCVBUF_ALLOCATOR,
            // reading up to 16 datagrams per wake-up instead of Netty's default keeps up at saturation
            new FixedRecvByteBufAllocator(MAX_DATAGRAM).maxMessagesPerRead(16))
        .option(ChannelOption.SO_REUSEADDR, true)
        .handler(new Handler(context));
    if (Epoll.isAvailable() && vx.isNativeTransportEnabled()) {
      // lets several instances share the port; the kernel spreads devices by source address
      bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    if (options.rmem() > 0) {
      bootstrap.option(ChannelOption.SO_RCVBUF, options.rmem());
    }
    Promise<Void> bound = Promise.promise();
    ChannelFuture bind = bootstrap.bind(host, options.port());
    bind.addListener(f -> {
      if (f.isSuccess()) {
        channel = bind.channel();
        bound.complete();
      } else {
        bound.fail(new IllegalStateException(
            "UDP registration cannot bind " + host + ":" + options.port() + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future().compose(v -> {
      int port = ((InetSocketAddress) channel.localAddress()).getPort();
      ctx.boundPorts().put("udp", port);
      VertxMetrics vertxMetrics = vx.metrics();
      DatagramSocketMetrics m = vertxMetrics == null ? null : vertxMetrics.createDatagramSocketMetrics(new DatagramSocketOptions());
      if (m != null) {
        m.listening(host, SocketAddress.inetSocketAddress(port, host));
        metrics = m;
      }
      sendConsumer = vertx.eventBus().localConsumer(Addresses.UDP_SEND, msg -> {
        DatagramSend d = msg.body();
        DatagramPacket out = new DatagramPacket(Unpooled.wrappedBuffer(d.payload()), d.to());
        metrics.bytesWritten(null, null, d.payload().length);
        channel.writeAndFlush(out).addListener(w -> {
          if (w.isSuccess()) {
            msg.reply(null);
          } else {
            msg.fail(500, "datagram to " + d.to() + " not sent: " + w.cause());
          }
        });
      });
      LOG.info("UDP registration listening on {}:{}", host, port);
      return sendConsumer.completion();
    });
  }

  @Override
  public Future<?> stop() {
    metrics.close();
    Future<Void> consumer = sendConsumer == null ? Future.succeededFuture() : sendConsumer.unregister();
    Promise<Void> closed = Promise.promise();
    if (channel == null) {
      closed.complete();
    } else {
      channel.close().addListener(f -> closed.complete());
    }
    return Future.all(consumer, closed.future());
  }

  private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final ContextInternal context;

    Handler(ContextInternal context) {
      this.context = context;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext chctx, DatagramPacket packet) {
      metrics.bytesRead(null, null, packet.content().readableBytes());
      RendezvousMessage m = Envelopes.parse(packet.content().nioBuffer());
      if (m == null) {
        dropped.increment(); // garbage is ignored silently, as hbbs does (§2.2)
        return;
      }
      InetSocketAddress from = AddrMangle.normalize(packet.sender());
      context.dispatch(from, f -> onMessage(m, f));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext chctx) {
      chctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext chctx, Throwable cause) {
      // e.g. ICMP port unreachable surfaced as a send error: per packet, never fatal
      LOG.debug("udp error: {}", cause.toString());
      metrics.exceptionOccurred(null, null, cause);
    }
  }

  private void onMessage(RendezvousMessage m, InetSocketAddress from) {
    switch (m.getUnionCase()) {
      case REGISTER_PEER -> registerPeer(m.getRegisterPeer(), from);
      case REGISTER_PK -> registerPk(m.getRegisterPk(), from);
      case CONFIGURE_UPDATE -> configUpdate(m.getConfigureUpdate(), from);
      case SOFTWARE_UPDATE -> softwareUpdate(m.getSoftwareUpdate(), from);
      case TEST_NAT_REQUEST -> reply(from, RendezvousMessage.newBuilder()
          .setTestNatResponse(dev.vertdesk.proto.TestNatResponse.newBuilder().setPort(from.getPort()))
          .build(), false);
      default -> dropped.increment(); // PunchHoleRequest and friends are TCP-only since 2026
    }
  }

  private void registerPeer(RegisterPeer rp, InetSocketAddress from) {
    String id = rp.getId();
    if (id.isEmpty()) {
      return;
    }
    Future<HeartbeatOutcome> outcomes = ctx.registry().heartbeat(id, from);
    // answered within this read batch, the replies go out with its flush (channelReadComplete);
    // answered later (a cluster directory write), they are flushed themselves
    boolean later = !outcomes.isComplete();
    outcomes.onSuccess(outcome -> {
      ConfigUpdateState cu = ctx.configUpdate().get();
      boolean configUpdate = cu.serial() > rp.getSerial();
      reply(from, Envelopes.registerPeerResponse(outcome.requestPk()), later && !configUpdate);
      if (configUpdate) {
        reply(from, RendezvousMessage.newBuilder().setConfigureUpdate(ConfigUpdate.newBuilder()
            .setSerial(cu.serial()).addAllRendezvousServers(cu.rendezvousServers())).build(), later);
      }
      if (outcome.becameOnline()) {
        ctx.events().peerOnline(id, from.getAddress().getHostAddress());
      }
    });
  }

  private void registerPk(RegisterPk rk, InetSocketAddress from) {
    String id = rk.getId();
    ctx.registry().registerPk(id, rk.getUuid().toByteArray(), rk.getPk().toByteArray(), from)
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.error("RegisterPk for {} failed: {}", id, ar.cause().toString());
            reply(from, Envelopes.registerPkResponse(dev.vertdesk.proto.RegisterPkResponse.Result.SERVER_ERROR), true);
            return;
          }
          var outcome = ar.result();
          if (outcome.result() == null) {
            return;
          }
          reply(from, Envelopes.registerPkResponse(outcome.result()), true);
          String ip = from.getAddress().getHostAddress();
          if (outcome.result() == dev.vertdesk.proto.RegisterPkResponse.Result.OK) {
            if (outcome.changed()) {
              ctx.events().peerRegistered(id, ip, outcome.created(), outcome.previousIp());
            }
            if (outcome.becameOnline()) {
              ctx.events().peerOnline(id, ip);
            }
          } else {
            ctx.events().rejected("udp", outcome.reason(), ip, id);
          }
        });
  }

  /** Admins push a new rendezvous-server list from the server host itself (§5.4.10). */
  private void configUpdate(ConfigUpdate cu, InetSocketAddress from) {
    if (!from.getAddress().isLoopbackAddress()) {
      ctx.events().rejected("udp", "config-update-not-loopback", from.getAddress().getHostAddress(), "");
      return;
    }
    List<String> servers = new ArrayList<>();
    for (String s : cu.getRendezvousServersList()) {
      if (!s.isBlank()) {
        servers.add(s.trim());
      }
    }
    ConfigUpdateState before = ctx.configUpdate().get();
    ConfigUpdateState after = ctx.configUpdate().updateAndGet(cur -> cu.getSerial() > cur.serial()
        ? new ConfigUpdateState(cu.getSerial(), List.copyOf(servers)) : cur);
    if (after != before) {
      // devices on a TCP/WebSocket link never send RegisterPeer: push it to them now
      RendezvousMessage push = RendezvousMessage.newBuilder().setConfigureUpdate(ConfigUpdate.newBuilder()
          .setSerial(after.serial()).addAllRendezvousServers(after.rendezvousServers())).build();
      ctx.links().forEach((id, link) -> link.send(push));
    }
  }

  /** Legacy clients put their version in {@code url} (§5.4.11). */
  private void softwareUpdate(SoftwareUpdate su, InetSocketAddress from) {
    String url = ctx.config().softwareUrl();
    String version = SoftwareVersion.fromUrl(url);
    if (!version.isEmpty() && !version.equals(su.getUrl())) {
      reply(from, RendezvousMessage.newBuilder().setSoftwareUpdate(SoftwareUpdate.newBuilder().setUrl(url)).build(), false);
    }
  }

  /** Replies from the registration socket; {@code flush} for answers produced off the read loop. */
  private void reply(InetSocketAddress to, RendezvousMessage m, boolean flush) {
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    byte[] bytes = m.toByteArray();
    DatagramPacket packet = new DatagramPacket(Unpooled.wrappedBuffer(bytes), to);
    metrics.bytesWritten(null, null, bytes.length);
    if (flush) {
      ch.writeAndFlush(packet, ch.voidPromise());
    } else {
      ch.write(packet, ch.voidPromise());
    }
  }

  public long droppedDatagrams() {
    return dropped.sum();
  }
}
