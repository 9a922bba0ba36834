package dev.vertdesk.relay;

import dev.vertdesk.logging.RepeatedLog;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node's relay connections hold in memory beyond their bounded socket queues, and the
 * node-wide cap on it ({@code verticles.relay.config.maxHeldBytes}): messages that have not
 * arrived whole yet (a WebSocket frame or fragmented message, a TCP frame being re-framed for a
 * WebSocket partner, docs/protocol.md §7.3), what arrives before pairing, large messages
 * queued for a client, and the write queues of clients that do not keep up. Each of these is
 * bounded per connection, but only the cap bounds them all together, so that no number of connections can take the JVM's memory (and with it the
 * event loops of every other port, which then wait for direct memory).
 *
 * <p>Whenever the total passes the cap, the holders that hold the most are shed (closed) until
 * the rest fits: whoever fills the node pays for it, not the small message that happens to come
 * next. Every close for a limit is counted by {@link Limit} and logged at most once per
 * {@link #LOG_INTERVAL_MILLIS} with a count. Thread-safe.
 */
public final class HeldBytes {

  private static final Logger LOG = LoggerFactory.getLogger(HeldBytes.class);
  static final long LOG_INTERVAL_MILLIS = 10_000;

  /** Why a relay connection was closed for what it held. */
  public enum Limit {
    /** It held the most when the node's relay connections together held more than {@code maxHeldBytes}. */
    NODE("node"),
    /** One message over its size limit ({@code maxMessageSize}, or a re-framed TCP frame). */
    MESSAGE("message"),
    /** More than the small budget before pairing. */
    PRE_PAIR("pre-pair");

    private final String label;

    Limit(String label) {
      this.label = label;
    }

    /** The metric label. */
    public String label() {
      return label;
    }
  }

  private final long max;
  private final AtomicLong total = new AtomicLong();
  /** The accounts that hold something now: the candidates for shedding. */
  private final Set<Account> holders = ConcurrentHashMap.newKeySet();
  private final Object shedding = new Object();
  private final Map<Limit, LongAdder> closes = new EnumMap<>(Limit.class);
  private final RepeatedLog log;

  HeldBytes(long max) {
    this(max, new RepeatedLog(LOG, LOG_INTERVAL_MILLIS));
  }

  HeldBytes(long max, RepeatedLog log) {
    this.max = max;
    this.log = log;
    for (Limit l : Limit.values()) {
      closes.put(l, new LongAdder());
    }
  }

  /** The node-wide cap, bytes. */
  public long max() {
    return max;
  }

  /** Bytes held now by all relay connections of the node. */
  public long total() {
    return total.get();
  }

  /** Connections closed so far for {@code limit}. */
  public long closes(Limit limit) {
    return closes.get(limit).sum();
  }

  /**
   * A new holder's account, starting at 0.
   *
   * @param shed closes the holder, with what it held, when it holds the most while the node is
   *             over its cap; runs on the thread that took the node over, once at most
   */
  Account account(LongConsumer shed) {
    return new Account(shed);
  }

  /**
   * Counts and logs (rate-limited) a connection closed for {@code limit}.
   *
   * @param who  the client, for the log line
   * @param held what it held, or the size that was refused
   */
  void closed(Limit limit, String who, long held) {
    closes.get(limit).increment();
    switch (limit) {
      case NODE -> log.warn("node", "relay: closed {}, which held {} bytes, the most of any connection, when the "
          + "node's relay connections held more than maxHeldBytes ({} bytes)", who, held, max);
      case MESSAGE -> log.warn("message", "relay: closed {}: a message of {} bytes or more is over its limit",
          who, held);
      case PRE_PAIR -> log.warn("pre-pair", "relay: closed {}: {} bytes before pairing, over the budget",
          who, held);
    }
  }

  /** Logs (rate-limited) a relay connection that failed on an {@link Error}, out of memory say. */
  void failed(String who, Throwable error) {
    log.error("error", "relay: {} closed on {}", who, error.toString());
  }

  /** Under {@code a}'s lock: its share changed by {@code delta} to {@code now}. */
  private boolean changed(Account a, long delta, long now) {
    if (now > 0) {
      holders.add(a);
    } else {
      holders.remove(a);
    }
    return total.addAndGet(delta) > max && delta > 0;
  }

  /** Sheds the largest holders until the others fit under the cap. */
  private void shedLargest() {
    synchronized (shedding) {
      while (total.get() > max) {
        Account largest = null;
        long most = 0;
        for (Account a : holders) {
          long h = a.held();
          if (h > most) {
            most = h;
            largest = a;
          }
        }
        if (largest == null) {
          return;
        }
        largest.shed();
      }
    }
  }

  /**
   * One holder's share of the total: what its owner holds itself ({@link #set}, from the owner's
   * loop), and what waits in its write queue: the large messages queued for its client
   * ({@link #queue}, from any thread), or, while the client does not keep up, the whole queue
   * ({@link #stall}), whichever is more. Once closed or shed it stays 0.
   */
  final class Account {
    private final LongConsumer shed;
    private long own;
    private long queued;
    private long stalled;
    private boolean closed;

    private Account(LongConsumer shed) {
      this.shed = shed;
    }

    /** Records that the owner now holds {@code bytes} itself (they are in memory already). */
    void set(long bytes) {
      boolean over;
      synchronized (this) {
        if (closed || bytes == own) {
          return;
        }
        long before = share();
        own = bytes;
        over = changed(this, share() - before, share());
      }
      if (over) {
        shedLargest();
      }
    }

    /**
     * The client's write queue holds {@code bytes} and is past its high-water mark (0: it keeps
     * up again). Below the mark a queue is within the connection's own small bound.
     */
    void stall(long bytes) {
      boolean over;
      synchronized (this) {
        if (closed || bytes == stalled) {
          return;
        }
        long before = share();
        stalled = bytes;
        over = changed(this, share() - before, share());
      }
      if (over) {
        shedLargest();
      }
    }

    /** Under the lock. */
    private long share() {
      return own + Math.max(queued, stalled);
    }

    /** A large message of {@code bytes} is queued for the client. */
    void queue(long bytes) {
      add(bytes);
    }

    /** ... and is now written, or dropped with the connection. */
    void unqueue(long bytes) {
      add(-bytes);
    }

    private void add(long bytes) {
      boolean over;
      synchronized (this) {
        if (closed) {
          return;
        }
        long before = share();
        queued += bytes;
        over = changed(this, share() - before, share());
      }
      if (over) {
        shedLargest();
      }
    }

    synchronized long held() {
      return closed ? 0 : share();
    }

    /** The owner holds nothing any more, for good. */
    void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        holders.remove(this);
        total.addAndGet(-share());
        own = 0;
        queued = 0;
        stalled = 0;
      }
    }

    private void shed() {
      long had;
      synchronized (this) {
        had = share();
      }
      close();
      shed.accept(had);
    }
  }
}
