import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;

/**
 * The ceiling for bench/udp: the smallest Netty UDP request/reply server. One epoll event-loop
 * thread, every datagram written back to its sender as is (write per packet), one flush per
 * read-complete, the same SO_RCVBUF as Vertdesk's UDP socket. Not part of the main build:
 * run.sh compiles it with {@code javac -cp target/vertdesk.jar} (which contains Netty).
 *
 * <p>Usage: {@code java -cp vertdesk.jar:. NettyUdpEcho <host> <port> <rcvbuf> <maxsec>}; the
 * process exits by itself after maxsec seconds.
 */
public final class NettyUdpEcho {

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int rcvbuf = Integer.parseInt(args[2]);
    long maxMillis = (long) (Double.parseDouble(args[3]) * 1000);
    if (!host.startsWith("127.")) {
      throw new IllegalArgumentException("loopback (127.x.x.x) only");
    }
    Thread deadline = new Thread(() -> {
      try {
        Thread.sleep(maxMillis);
      } catch (InterruptedException ignored) {
        // exit anyway
      }
      System.exit(0);
    }, "deadline");
    deadline.setDaemon(true);
    deadline.start();
    Epoll.ensureAvailability();

    @SuppressWarnings("deprecation")
    EventLoopGroup group = new EpollEventLoopGroup(1);
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(EpollDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DatagramPacket>(false) {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
          }

          @Override
          public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
          }
        });
    if (rcvbuf > 0) {
      bootstrap.option(ChannelOption.SO_RCVBUF, rcvbuf);
    }
    Channel ch = bootstrap.bind(host, port).sync().channel();
    System.out.println("netty udp echo listening on " + ch.localAddress());
    ch.closeFuture().sync();
  }
}
