package dev.vertdesk.rendezvous.udp;

import dev.vertdesk.config.UdpOptions;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.rendezvous.RegistrationService;
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
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP registration port (hbbs 21116/udp): it carries device heartbeats and key registration
 * to the {@link RegistrationService} and their answers back, and sends every server-to-device
 * datagram ({@link Addresses#UDP_SEND}). It runs a Netty datagram channel of Vert.x's own
 * transport on this verticle's event loop: Vert.x's DatagramSocket answered 100k datagrams per
 * second where this channel answered 168k, and its receive-buffer option also sizes every read
 * buffer (docs/performance.md §B).
 */
public final class UdpRegistrationVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(UdpRegistrationVerticle.class);
  /** Legit datagrams are a few hundred bytes; a larger one is truncated and fails to parse. */
  static final int MAX_DATAGRAM = 4096;

  private final NodeCore core;
  private final RegistrationService registration;
  private final UdpOptions options;
  private Channel channel;
  private MessageConsumer<DatagramSend> sendConsumer;
  /** Vert.x's own datagram series (vertx_datagram_*), fed from the Netty channel; no-op without metrics. */
  private DatagramSocketMetrics metrics = new DatagramSocketMetrics() { };

  public UdpRegistrationVerticle(NodeCore core, RegistrationService registration, UdpOptions options) {
    this.core = core;
    this.registration = registration;
    this.options = options;
  }

  @Override
  public Future<?> start() {
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
      core.ports().bound("udp", port);
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
        return; // garbage is ignored silently, as hbbs does (docs/protocol.md §2.2)
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
      case REGISTER_PEER -> {
        Future<List<RendezvousMessage>> answers = registration.registerPeer(m.getRegisterPeer(), from);
        // answered within this read batch, the replies go out with its flush (channelReadComplete);
        // answered later (a cluster directory write), they are flushed themselves
        boolean later = !answers.isComplete();
        answers.onSuccess(list -> list.forEach(a -> reply(from, a, later)));
      }
      case REGISTER_PK -> registration.registerPk(m.getRegisterPk(), from, RegistrationService.Surface.UDP)
          .onSuccess(r -> {
            if (r.answer() != null) {
              reply(from, r.answer(), true);
            }
          });
      case CONFIGURE_UPDATE -> registration.configUpdate(m.getConfigureUpdate(), from);
      case SOFTWARE_UPDATE -> registration.softwareUpdate(m.getSoftwareUpdate())
          .ifPresent(answer -> reply(from, answer, false));
      case TEST_NAT_REQUEST -> reply(from, Envelopes.testNatResponse(from.getPort()), false);
      default -> {
        // PunchHoleRequest and friends are TCP-only since 2026 (docs/protocol.md §5.4.12)
      }
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
}
