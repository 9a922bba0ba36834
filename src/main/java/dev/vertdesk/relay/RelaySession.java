package dev.vertdesk.relay;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.protocol.FrameDecoder;
import dev.vertdesk.protocol.FrameTooLargeException;
import dev.vertdesk.protocol.ProtocolException;
import dev.vertdesk.relay.RelayEndpoint.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A paired relay: two endpoints that presented the same uuid, forwarding both ways
 * (docs/protocol.md §7.3) with backpressure, bandwidth limits (§7.4, charged by bytes read, so that
 * what a WebSocket end sends without finishing a message is limited too), the idle rule and the
 * once-a-second checks (blocklist, blacklist, downgrade).
 *
 * <p>Each direction runs on its source endpoint's event loop: a chunk read from the source is
 * counted, written to the target (the buffer itself, no copy, when both sides carry a stream),
 * and flushed when the read burst ends. When the target's write queue passes its high-water mark,
 * or a token bucket runs dry, the source stops reading; nothing is buffered beyond that queue.
 * The periodic check runs on the second endpoint's loop and reads the counters (volatile) only.
 *
 * <p>Whole messages can be large (a WebSocket message, a TCP frame re-framed for a WebSocket
 * end), and one may sit in a target's queue beyond its high-water mark; those of
 * {@link #COUNTED_MESSAGE} bytes or more count towards the node's {@link HeldBytes} as the
 * target's until written, and the partial frame a re-framing direction keeps counts too (the
 * session ends if it is shed for the node's cap).
 */
public final class RelaySession {

  private static final Logger LOG = LoggerFactory.getLogger(RelaySession.class);
  /** Largest message re-framed from a stream for a message endpoint (mixed TCP/WS pairs). */
  static final int MAX_REFRAMED_MESSAGE = 64 << 20;
  /** Queued messages from this size on count as held (smaller ones stay within the high-water mark). */
  static final int COUNTED_MESSAGE = 64 * 1024;

  private final RelayHub hub;
  private final String id;
  private final String uuid;
  private final RelayEndpoint first;
  private final RelayEndpoint second;
  private final Direction toSecond;
  private final Direction toFirst;
  private final long startedMillis = System.currentTimeMillis();
  private final long startedNanos = System.nanoTime();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final RelayPolicy policy;
  /** The node's total-bandwidth bucket the read caps were last sized for (an admin may replace it). */
  private TokenBucket sizedForTotal;
  private volatile TokenBucket pairBucket;
  private TokenBucket singleBucket;
  private TokenBucket slowBucket;
  private volatile boolean downgraded;
  private volatile boolean blacklisted;
  private volatile long currentBitsPerSecond;
  private volatile long highestBitsPerSecond;
  private volatile String endReason;
  private ScheduledFuture<?> ticker;
  // periodic-check state, on second's loop only
  private long lastTotal;
  private long lastChangeNanos = startedNanos;
  private long rateTotal;
  private long rateNanos = startedNanos;
  private int seenAccessVersion;

  RelaySession(RelayHub hub, String id, String uuid, RelayEndpoint first, RelayEndpoint second) {
    this.hub = hub;
    this.id = id;
    this.uuid = uuid;
    this.first = first;
    this.second = second;
    this.policy = hub.policy();
    this.toSecond = new Direction(first, second);
    this.toFirst = new Direction(second, first);
    this.toSecond.reverse = toFirst;
    this.toFirst.reverse = toSecond;
  }

  public String id() {
    return id;
  }

  public String uuid() {
    return uuid;
  }

  /** Starts both directions and the periodic check; called once, right after pairing. */
  void start() {
    long now = System.nanoTime();
    singleBucket = TokenBucket.megabitsPerSecond(policy.singleMbps(), now);
    seenAccessVersion = hub.access().version();
    blacklisted = isListed(false);
    selectBucket();
    hub.sessions().add(this);
    hub.publishOpened(this);
    startDirection(toSecond);
    startDirection(toFirst);
    long tick = policy.tickMillis();
    ticker = second.executor().scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    if (ended.get()) {
      ticker.cancel(false);
    }
  }

  private void startDirection(Direction d) {
    run(d.source.executor(), () -> {
      if (!d.source.attach(d)) {
        end("closed before pairing", false);
        return;
      }
      d.readComplete();
      d.maybeResume();
    });
  }

  private static void run(EventExecutor executor, Runnable task) {
    if (executor.inEventLoop()) {
      task.run();
    } else {
      executor.execute(task);
    }
  }

  /**
   * Ends the session once: both connections are closed, the survivor after what is already
   * queued for it has been written ({@code graceful}).
   */
  void end(String reason, boolean graceful) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    endReason = reason;
    if (ticker != null) {
      ticker.cancel(false);
    }
    toSecond.reframing.close();
    toFirst.reframing.close();
    first.close(graceful);
    second.close(graceful);
    hub.sessions().remove(this);
    hub.publishClosed(this, reason);
    LOG.debug("relay {} ({}) ended: {}", id, uuid, reason);
  }

  /** A snapshot for usage reports. */
  public RelaySessionInfo info() {
    return new RelaySessionInfo(id, uuid, first.describe(), second.describe(), toSecond.bytes,
        toFirst.bytes, startedMillis, currentBitsPerSecond, highestBitsPerSecond, downgraded, blacklisted,
        first.pendingOutboundBytes(), second.pendingOutboundBytes());
  }

  long durationMillis() {
    return System.currentTimeMillis() - startedMillis;
  }

  long bytesFirstToSecond() {
    return toSecond.bytes;
  }

  long bytesSecondToFirst() {
    return toFirst.bytes;
  }

  String firstDescription() {
    return first.describe();
  }

  String secondDescription() {
    return second.describe();
  }

  // ------------------------------------------------------------------ periodic check

  private void tick() {
    if (ended.get()) {
      return;
    }
    long now = System.nanoTime();
    long totalBytes = toSecond.bytes + toFirst.bytes;
    if (totalBytes != lastTotal) {
      lastTotal = totalBytes;
      lastChangeNanos = now;
    } else if (now - lastChangeNanos > policy.idleNanos()) {
      end("idle", false);
      return;
    }
    if (now - rateNanos >= 1_000_000_000L) {
      currentBitsPerSecond = (totalBytes - rateTotal) * 8 * 1_000_000_000L / (now - rateNanos);
      highestBitsPerSecond = Math.max(highestBitsPerSecond, currentBitsPerSecond);
      rateTotal = totalBytes;
      rateNanos = now;
    }
    int version = hub.access().version();
    if (version != seenAccessVersion) {
      seenAccessVersion = version;
      if (isListed(true)) {
        end("blocked", false);
        return;
      }
      boolean black = isListed(false);
      if (black != blacklisted) {
        blacklisted = black;
        selectBucket();
      }
    }
    if (hub.totalBucket() != sizedForTotal) {
      selectBucket(); // the total bandwidth changed: size reads for the new rate
    }
    if (!downgraded && policy.downgradeEnabled()) {
      long elapsedMs = (now - startedNanos) / 1_000_000;
      if (elapsedMs > policy.downgradeStartCheckMillis()
          && totalBytes * 8 > elapsedMs * policy.downgradeBitsPerMilli()) {
        downgraded = true; // sticky, as in hbbr
        selectBucket();
        LOG.info("relay {} ({} - {}) downgraded to {} Mb/s", id, first.describe(), second.describe(),
            policy.limitMbps());
      }
    }
  }

  /** Either end on the blocklist ({@code block}) or the blacklist; both ends, normalised. */
  private boolean isListed(boolean block) {
    AccessLists lists = hub.access();
    String a = AccessLists.normalize(first.remote().getAddress());
    String b = AccessLists.normalize(second.remote().getAddress());
    return block ? lists.blocked(a) || lists.blocked(b) : lists.blacklisted(a) || lists.blacklisted(b);
  }

  private synchronized void selectBucket() {
    if ((downgraded || blacklisted) && policy.limitMbps() > 0) {
      if (slowBucket == null) {
        slowBucket = TokenBucket.megabitsPerSecond(policy.limitMbps(), System.nanoTime());
      }
      pairBucket = slowBucket;
    } else {
      pairBucket = singleBucket;
    }
    // a read of n bytes is followed by a pause of n / rate: keep single reads to ~50 ms of data
    double rate = Double.MAX_VALUE;
    if (pairBucket != null) {
      rate = pairBucket.bytesPerSecond();
    }
    TokenBucket total = hub.totalBucket();
    sizedForTotal = total;
    if (total != null) {
      rate = Math.min(rate, total.bytesPerSecond());
    }
    int cap = rate == Double.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(16 * 1024, Math.min(Integer.MAX_VALUE, rate * 0.05));
    first.capReads(cap);
    second.capReads(cap);
  }

  /** Nanoseconds to stop reading after {@code bytes} were forwarded; 0 when within limits. */
  private long charge(int bytes) {
    TokenBucket pair = pairBucket;
    TokenBucket all = hub.totalBucket(); // replaced when an admin changes the total bandwidth
    if (pair == null && all == null) {
      return 0;
    }
    long now = System.nanoTime();
    long wait = pair == null ? 0 : pair.charge(bytes, now);
    return all == null ? wait : Math.max(wait, all.charge(bytes, now));
  }

  // ------------------------------------------------------------------ one direction

  /** Source → target, driven by the source endpoint's callbacks on its loop. */
  private final class Direction implements RelayEndpoint.Inbound {
    final RelayEndpoint source;
    final RelayEndpoint target;
    final boolean reframeToMessages;
    final boolean frameMessages;
    Direction reverse;
    volatile long bytes;
    // source loop only
    private boolean pendingFlush;
    private boolean blocked;
    private boolean throttled;
    private FrameDecoder reframer;
    /** The partial frame {@link #reframer} keeps, as part of the node's held bytes. */
    final HeldBytes.Account reframing;

    Direction(RelayEndpoint source, RelayEndpoint target) {
      this.source = source;
      this.target = target;
      this.reframeToMessages = source.framing() == Framing.STREAM && target.framing() == Framing.MESSAGE;
      this.frameMessages = source.framing() == Framing.MESSAGE && target.framing() == Framing.STREAM;
      this.reframing = hub.heldBytes().account(held -> {
        hub.heldBytes().closed(HeldBytes.Limit.NODE, source.describe(), held);
        end("over the node's held-bytes cap (" + source.describe() + ")", false);
      });
    }

    @Override
    public void data(ByteBuf data) {
      int n = data.readableBytes();
      if (n == 0 || ended.get()) {
        data.release(); // empty payloads are not forwarded (§7.3)
        return;
      }
      bytes += n; // single writer: this loop
      if (reframeToMessages) {
        reframe(data);
      } else if (frameMessages) {
        writeMessage(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(FrameCodec.header(n)), data), n);
      } else if (source.framing() == Framing.MESSAGE) {
        writeMessage(data, n);
      } else {
        target.write(data);
      }
      pendingFlush = true;
      if (source.framing() == Framing.STREAM) {
        throttle(charge(n)); // a message endpoint's reads are charged as they come (received)
      }
      if (!blocked && !target.isWritable()) {
        blocked = true;
        source.setReading(false);
        // the target may have drained between the write and now: its writability event could
        // then have been missed, so look again
        if (target.isWritable()) {
          blocked = false;
          maybeResume();
        }
      }
    }

    /** Queues one whole message ({@code n} bytes of payload) for the target; a large one counts as held. */
    private void writeMessage(ByteBuf message, int n) {
      if (n < COUNTED_MESSAGE) {
        target.write(message);
      } else {
        target.writeHeld(message);
      }
    }

    private void reframe(ByteBuf data) {
      if (reframer == null) {
        reframer = new FrameDecoder(MAX_REFRAMED_MESSAGE);
      }
      byte[] chunk = ByteBufUtil.getBytes(data);
      data.release();
      try {
        reframer.feed(chunk, 0, chunk.length, payload -> {
          if (payload.length > 0 && !ended.get()) {
            reframing.set(reframer.buffered()); // the payload is the message's now
            writeMessage(Unpooled.wrappedBuffer(payload), payload.length);
          }
          return true;
        });
      } catch (FrameTooLargeException e) {
        hub.heldBytes().closed(HeldBytes.Limit.MESSAGE, source.describe(), e.limit() + 1L);
        end("bad frame from " + source.describe() + ": " + e.getMessage(), false);
        return;
      } catch (ProtocolException e) {
        end("bad frame from " + source.describe() + ": " + e.getMessage(), false);
        return;
      }
      reframing.set(reframer.buffered());
    }

    @Override
    public void received(int n) {
      if (!ended.get()) {
        throttle(charge(n));
      }
    }

    /** Stops reading from the source for {@code wait} ns, when a bandwidth limit says so. */
    private void throttle(long wait) {
      if (wait > 0 && !throttled) {
        throttled = true;
        source.setReading(false);
        source.executor().schedule(this::unthrottle, wait, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void readComplete() {
      if (pendingFlush) {
        pendingFlush = false;
        target.flush();
      }
    }

    @Override
    public void writabilityChanged(boolean writable) {
      // this direction's source is the reverse direction's target
      if (writable) {
        Direction r = reverse;
        run(r.source.executor(), r::targetWritable);
      }
    }

    @Override
    public void closed(String reason) {
      end(reason + " (" + source.describe() + ")", true);
    }

    private void targetWritable() {
      if (blocked && target.isWritable()) {
        blocked = false;
        maybeResume();
      }
    }

    private void unthrottle() {
      throttled = false;
      maybeResume();
    }

    void maybeResume() {
      if (!blocked && !throttled && !ended.get()) {
        source.setReading(true);
      }
    }
  }
}
