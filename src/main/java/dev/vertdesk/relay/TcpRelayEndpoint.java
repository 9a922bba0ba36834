package dev.vertdesk.relay;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.protocol.FrameDecoder;
import dev.vertdesk.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain TCP relay connection (hbbr port 21117): reads one length-prefixed RequestRelay
 * (PROTOCOL.md §7.1), waits for its partner, then carries a raw byte stream. It is the only
 * handler in its channel's pipeline; once paired, reads go straight to the session as the
 * buffers Netty read them into.
 */
final class TcpRelayEndpoint extends ChannelInboundHandlerAdapter implements RelayEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(TcpRelayEndpoint.class);
  /** A survivor that will not take what is queued for it is closed anyway after this. */
  static final long GRACEFUL_CLOSE_MILLIS = 5_000;

  private enum State { HANDSHAKE, CHECKING, WAITING, RELAYING, CLOSED }

  /** What the relay verticle passes to every connection. */
  record Settings(RelayHub hub, Optional<String> key, boolean brokeredOnly, long firstMessageMillis,
                  long pairMillis, int maxFrameSize) {
  }

  private final Settings settings;
  private final CappedRecvAllocator reads;
  private Channel channel;
  private InetSocketAddress remote;
  private String description;
  private volatile State state = State.HANDSHAKE;
  private FrameDecoder decoder;
  private byte[] request;
  private ArrayDeque<ByteBuf> held;
  private long heldBytes;
  private String uuid;
  private ScheduledFuture<?> timer;
  private Inbound inbound;

  TcpRelayEndpoint(Settings settings, CappedRecvAllocator reads) {
    this.settings = settings;
    this.reads = reads;
  }

  // ------------------------------------------------------------------ Netty side

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    InetSocketAddress r = (InetSocketAddress) channel.remoteAddress();
    remote = r == null ? new InetSocketAddress(0) : AddrMangle.normalize(r);
    String ip = remote.getAddress() == null ? "?" : AccessLists.normalize(remote.getAddress());
    description = (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + remote.getPort();
    decoder = new FrameDecoder(settings.maxFrameSize());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timer = channel.eventLoop().schedule(() -> {
      if (state == State.HANDSHAKE) {
        LOG.debug("{}: no RequestRelay within {} ms", description, settings.firstMessageMillis());
        channel.close();
      }
    }, settings.firstMessageMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case RELAYING -> inbound.data((ByteBuf) msg);
      case HANDSHAKE -> handshake((ByteBuf) msg);
      case CHECKING, WAITING -> hold((ByteBuf) msg);
      default -> ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.RELAYING) {
      inbound.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (state == State.RELAYING) {
      inbound.writabilityChanged(channel.isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    State was = state;
    state = State.CLOSED;
    cancelTimer();
    releaseHeld();
    if (was == State.WAITING) {
      settings.hub().withdraw(uuid, this);
    } else if (was == State.RELAYING) {
      inbound.closed("connection closed");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: {}", description, cause.toString());
    channel.close();
  }

  // ------------------------------------------------------------------ before pairing

  private void handshake(ByteBuf buf) {
    byte[] bytes;
    try {
      bytes = ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
    try {
      decoder.feed(bytes, 0, bytes.length, payload -> {
        request = payload;
        return false;
      });
    } catch (ProtocolException e) {
      LOG.debug("{}: {}", description, e.getMessage());
      channel.close();
      return;
    }
    if (request == null) {
      return; // first frame not complete yet
    }
    byte[] payload = request;
    request = null;
    // hbbr reads nothing more until the pair is made; what already arrived stays in the decoder
    channel.config().setAutoRead(false);
    state = State.CHECKING;
    cancelTimer();
    onRequest(payload);
  }

  private void onRequest(byte[] payload) {
    RendezvousMessage m = payload.length == 0 ? null : Envelopes.parse(payload);
    if (m == null || m.getUnionCase() != RendezvousMessage.UnionCase.REQUEST_RELAY) {
      refuse("first message is not a RequestRelay");
      return;
    }
    RequestRelay rr = m.getRequestRelay();
    if (settings.key().isPresent() && !settings.key().get().equals(rr.getLicenceKey())) {
      refuse("key mismatch"); // silently, as hbbr does (§7.1 step 5)
      return;
    }
    String u = rr.getUuid();
    if (u.isEmpty()) {
      refuse("empty uuid");
      return;
    }
    uuid = u;
    if (!settings.brokeredOnly()) {
      park();
      return;
    }
    settings.hub().brokerage().wasBrokered(u).onComplete(ar -> onLoop(() -> {
      if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
        park();
      } else {
        refuse("uuid not brokered by this server");
      }
    }));
  }

  private void refuse(String why) {
    LOG.debug("{}: {}", description, why);
    channel.close();
  }

  private void park() {
    if (state != State.CHECKING || !channel.isActive()) {
      return;
    }
    state = State.WAITING;
    if (settings.hub().offer(uuid, this) == null && state == State.WAITING) {
      timer = channel.eventLoop().schedule(() -> {
        if (state == State.WAITING && settings.hub().withdraw(uuid, this)) {
          LOG.debug("{}: no partner for {} within {} ms", description, uuid, settings.pairMillis());
          channel.close();
        }
      }, settings.pairMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** A read that was under way when reading was switched off; kept for the partner. */
  private void hold(ByteBuf buf) {
    if (held == null) {
      held = new ArrayDeque<>(2);
    }
    held.add(buf);
    heldBytes += buf.readableBytes();
    if (heldBytes > 4L * settings.maxFrameSize() + (1 << 20)) {
      refuse("too much data before pairing");
    }
  }

  private void releaseHeld() {
    if (held != null) {
      for (ByteBuf b : held) {
        b.release();
      }
      held = null;
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void onLoop(Runnable task) {
    if (channel.eventLoop().inEventLoop()) {
      task.run();
    } else {
      channel.eventLoop().execute(task);
    }
  }

  // ------------------------------------------------------------------ RelayEndpoint

  @Override
  public Framing framing() {
    return Framing.STREAM;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public EventExecutor executor() {
    return channel.eventLoop();
  }

  @Override
  public boolean attach(Inbound in) {
    if (state != State.WAITING || !channel.isActive()) {
      return false;
    }
    cancelTimer();
    state = State.RELAYING;
    inbound = in;
    // bytes that came after the RequestRelay (B's SignedId, §12 item 14) go first, verbatim
    byte[] rest = decoder.drainRemaining();
    decoder = null;
    if (rest.length > 0) {
      in.data(Unpooled.wrappedBuffer(rest));
    }
    if (held != null) {
      ArrayDeque<ByteBuf> h = held;
      held = null;
      for (ByteBuf b : h) {
        in.data(b);
      }
    }
    // the partner (on another loop) may already have filled and drained our write queue while
    // we were not attached, and the writability event was then ignored: replay it
    if (channel.isWritable()) {
      in.writabilityChanged(true);
    }
    return true;
  }

  @Override
  public void setReading(boolean on) {
    channel.config().setAutoRead(on);
  }

  @Override
  public void capReads(int bytes) {
    reads.cap(bytes);
  }

  @Override
  public void write(ByteBuf data) {
    channel.write(data, channel.voidPromise());
  }

  @Override
  public void flush() {
    channel.flush();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public long pendingOutboundBytes() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  @Override
  public void close(boolean afterFlush) {
    if (afterFlush && channel.isActive()) {
      ChannelFuture flushed = channel.writeAndFlush(Unpooled.EMPTY_BUFFER);
      if (flushed.isDone()) {
        channel.close();
        return;
      }
      flushed.addListener(ChannelFutureListener.CLOSE);
      ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
        channel.close();
      }, GRACEFUL_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
      channel.closeFuture().addListener(f -> deadline.cancel(false));
    } else {
      channel.close();
    }
  }

  @Override
  public boolean isOpen() {
    return channel.isActive() && state != State.CLOSED;
  }
}
