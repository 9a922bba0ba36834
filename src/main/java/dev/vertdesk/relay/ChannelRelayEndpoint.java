package dev.vertdesk.relay;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * What a relay connection does the same on either relay port ({@link TcpRelayEndpoint},
 * {@link WsRelayEndpoint}) once its first message is read: the RequestRelay admission (parse,
 * key check, uuid, brokered-only check), parking in the {@link RelayHub} until the partner comes,
 * holding what arrives meanwhile, and the {@link RelayEndpoint} side that does not depend on the
 * framing. The transports differ in how they read the first message, in what they write and in
 * how they close.
 *
 * <p>What a connection holds in memory (its first message's leftovers, what arrives before
 * pairing, on a WebSocket an unfinished message, large messages queued for its client, and its
 * whole write queue while the client does not keep up) is its share of the node's
 * {@link HeldBytes}, recounted after each read and write-queue change; when the node is over its
 * cap, the connections holding the most are closed.
 */
abstract class ChannelRelayEndpoint extends ChannelInboundHandlerAdapter implements RelayEndpoint {

  /** A survivor that will not take what is queued for it is closed anyway after this. */
  static final long GRACEFUL_CLOSE_MILLIS = 5_000;

  /** HTTP: the WebSocket upgrade; HANDSHAKE: waiting for the RequestRelay. */
  enum State { HTTP, HANDSHAKE, CHECKING, WAITING, RELAYING, CLOSED }

  /**
   * The relay's rules for a connection ({@code verticles.relay.config}), on either port.
   *
   * @param key          the licence key a RequestRelay must carry, when the key is checked
   * @param maxFrameSize largest RequestRelay (and TCP frame before pairing)
   */
  record Admission(RelayHub hub, Optional<String> key, boolean brokeredOnly, long firstMessageMillis,
                   long pairMillis, int maxFrameSize) {

    /** Bytes a connection may send or have held before it is paired: the request and a little more. */
    long preRelayBudget() {
      return 4L * maxFrameSize + (1 << 20);
    }
  }

  protected final Admission admission;
  private final Framing framing;
  private final CappedRecvAllocator reads;
  /** The transport's own logger. */
  protected final Logger log;
  private final long openingMillis;
  protected Channel channel;
  protected InetSocketAddress remote;
  protected String description;
  protected volatile State state;
  private ArrayDeque<ByteBuf> held;
  private long heldBytes;
  private String uuid;
  protected ScheduledFuture<?> timer;
  protected Inbound inbound;
  /** This connection's share of the node's held bytes. */
  private final HeldBytes.Account account;
  /** Why the connection was closed, when the relay closed it for a reason the session should report. */
  private String closeReason;

  /**
   * @param initial       HTTP for a WebSocket (the upgrade comes first), else HANDSHAKE
   * @param openingMillis how long the client has, from the connect, to leave the initial state
   */
  ChannelRelayEndpoint(Admission admission, Framing framing, CappedRecvAllocator reads, Logger log,
                       State initial, long openingMillis) {
    this.admission = admission;
    this.framing = framing;
    this.reads = reads;
    this.log = log;
    this.state = initial;
    this.openingMillis = openingMillis;
    this.account = admission.hub().heldBytes().account(this::shedForNode);
  }

  // ------------------------------------------------------------------ Netty side

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    InetSocketAddress r = (InetSocketAddress) channel.remoteAddress();
    setRemote(r == null ? new InetSocketAddress(0) : AddrMangle.normalize(r));
  }

  protected final void setRemote(InetSocketAddress address) {
    remote = address;
    String ip = remote.getAddress() == null ? "?" : AccessLists.normalize(remote.getAddress());
    description = (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + remote.getPort();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    State initial = state;
    armTimer(initial, openingMillis, () -> {
      log.debug("{}: no {} within {} ms", description,
          initial == State.HTTP ? "WebSocket handshake" : "RequestRelay", openingMillis);
      channel.close();
    });
    ctx.fireChannelActive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.RELAYING) {
      inbound.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    boolean writable = channel.isWritable();
    account.stall(writable ? 0 : pendingOutboundBytes());
    if (state == State.RELAYING) {
      inbound.writabilityChanged(writable);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    State was = state;
    state = State.CLOSED;
    cancelTimer();
    releaseHeld();
    account.close();
    if (was == State.WAITING) {
      admission.hub().withdraw(uuid, this);
    } else if (was == State.RELAYING) {
      inbound.closed(closeReason == null ? "connection closed" : closeReason);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Error) {
      // out of (direct) memory, say: the one thing here an operator must hear about
      admission.hub().heldBytes().failed(description, cause);
    } else {
      // on a WebSocket, a CorruptedWebSocketFrameException (too big, not masked, ...) comes with
      // the decoder's close frame already sent
      log.debug("{}: {}", description, cause.toString());
    }
    channel.close();
  }

  // ------------------------------------------------------------------ held bytes

  /** Bytes this connection holds now, beyond its socket's write queue. */
  protected long holding() {
    return heldBytes;
  }

  /** Brings this connection's share of the node's held bytes up to date (after a read, say). */
  protected final void recount() {
    if (channel.isActive()) { // else closing: channelInactive gives the share back
      account.set(holding());
    }
  }

  /** This connection held the most when the node went over its cap: it goes. */
  private void shedForNode(long held) {
    channel.eventLoop().execute(() -> {
      if (channel.isActive()) {
        admission.hub().heldBytes().closed(HeldBytes.Limit.NODE, description, held);
        shed("over the node's held-bytes cap");
      }
    });
  }

  /**
   * Closes the connection for something the relay will not hold; a paired session ends with
   * {@code why} as its reason.
   */
  protected final void shed(String why) {
    closeReason = why;
    if (state == State.RELAYING) {
      overLimit(why);
    } else {
      refuse(why);
    }
  }

  /** Closes a paired connection that broke a limit of the relay (a WebSocket says so in a close frame). */
  protected abstract void overLimit(String why);

  // ------------------------------------------------------------------ before pairing

  /**
   * Closes a connection that broke the rules before it was paired; a WebSocket says why in a
   * close frame, a TCP connection gets nothing.
   */
  protected abstract void refuse(String why);

  /**
   * The first message, complete: reading stops (hbbr reads nothing more until the pair is made),
   * then the RequestRelay is checked (docs/protocol.md §7.1) and the connection parked under its uuid.
   */
  protected final void admit(byte[] payload) {
    channel.config().setAutoRead(false);
    state = State.CHECKING;
    cancelTimer();
    RendezvousMessage m = payload.length == 0 ? null : Envelopes.parse(payload);
    if (m == null || m.getUnionCase() != RendezvousMessage.UnionCase.REQUEST_RELAY) {
      refuse("first message is not a RequestRelay");
      return;
    }
    RequestRelay rr = m.getRequestRelay();
    if (admission.key().isPresent() && !admission.key().get().equals(rr.getLicenceKey())) {
      refuse("key mismatch"); // no reply, as hbbr (§7.1 step 5)
      return;
    }
    String u = rr.getUuid();
    if (u.isEmpty()) {
      refuse("empty uuid");
      return;
    }
    uuid = u;
    if (!admission.brokeredOnly()) {
      park();
      return;
    }
    admission.hub().brokerage().wasBrokered(u).onComplete(ar -> onLoop(() -> {
      if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
        park();
      } else {
        refuse("uuid not brokered by this server");
      }
    }));
  }

  /** The readable bytes of {@code buf}, which is released. */
  protected static byte[] take(ByteBuf buf) {
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private void park() {
    if (state != State.CHECKING || !channel.isActive()) {
      return;
    }
    state = State.WAITING;
    if (admission.hub().offer(uuid, this) == null && state == State.WAITING) {
      armTimer(State.WAITING, admission.pairMillis(), () -> {
        if (admission.hub().withdraw(uuid, this)) {
          log.debug("{}: no partner for {} within {} ms", description, uuid, admission.pairMillis());
          channel.close();
        }
      });
    }
  }

  /**
   * What came before the partner (a read under way when reading stopped, or B's SignedId,
   * §12 item 14); kept for it, within {@link Admission#preRelayBudget()}.
   */
  protected final void hold(ByteBuf data) {
    if (held == null) {
      held = new ArrayDeque<>(2);
    }
    held.add(data);
    heldBytes += data.readableBytes();
    if (heldBytes > admission.preRelayBudget()) {
      admission.hub().heldBytes().closed(HeldBytes.Limit.PRE_PAIR, description, heldBytes);
      refuse("too much data before pairing");
    }
  }

  private void releaseHeld() {
    if (held != null) {
      for (ByteBuf b : held) {
        b.release();
      }
      held = null;
      heldBytes = 0;
    }
  }

  /** Sets the connection's one timer: {@code expired} runs in {@code millis} if still {@code in} that state. */
  protected final void armTimer(State in, long millis, Runnable expired) {
    timer = channel.eventLoop().schedule(() -> {
      if (state == in) {
        expired.run();
      }
    }, millis, TimeUnit.MILLISECONDS);
  }

  protected final void cancelTimer() {
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
    return framing;
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

  /** Before what was held: bytes the transport itself still has from before pairing. */
  protected void deliverLeftovers(Inbound in) {
  }

  @Override
  public boolean attach(Inbound in) {
    if (state != State.WAITING || !channel.isActive()) {
      return false;
    }
    cancelTimer();
    state = State.RELAYING;
    inbound = in;
    ArrayDeque<ByteBuf> h = held;
    held = null;
    heldBytes = 0;
    deliverLeftovers(in);
    // what is handed over now is the session's to count (a large message, once queued)
    recount();
    if (h != null) {
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

  /** What the channel's pipeline takes for {@code data} (a WebSocket frame, or the bytes). */
  protected abstract Object outbound(ByteBuf data);

  @Override
  public final void write(ByteBuf data) {
    channel.write(outbound(data), channel.voidPromise());
    if (!channel.isWritable()) {
      account.stall(pendingOutboundBytes()); // the queue of a client that does not keep up grows
    }
  }

  @Override
  public final void writeHeld(ByteBuf message) {
    int n = message.readableBytes();
    account.queue(n);
    channel.write(outbound(message)).addListener(f -> account.unqueue(n));
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

  /**
   * Closes the channel once {@code sent} (the last write) is out, or after
   * {@link #GRACEFUL_CLOSE_MILLIS} if the client does not take it.
   */
  protected final void closeAfter(ChannelFuture sent) {
    if (sent.isDone()) {
      channel.close();
      return;
    }
    sent.addListener(ChannelFutureListener.CLOSE);
    ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
      channel.close();
    }, GRACEFUL_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> deadline.cancel(false));
  }

  @Override
  public boolean isOpen() {
    return channel.isActive() && state != State.CLOSED;
  }
}
