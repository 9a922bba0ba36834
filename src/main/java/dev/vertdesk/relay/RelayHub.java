package dev.vertdesk.relay;

import dev.vertdesk.config.RelayOptions;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.registry.RelayBrokerage;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay of one node, which every instance of the TCP and WebSocket relay verticles shares:
 * the uuid → waiting endpoint table (docs/protocol.md §7.2), the live sessions, the total
 * bandwidth bucket, the access lists and the cap on what connections hold ({@link HeldBytes}).
 * Pairing only sees {@link RelayEndpoint}s, so TCP and WebSocket ends pair alike. Built by the
 * composition root when the node runs a relay port.
 */
public final class RelayHub {

  private final NodeCore core;
  private final Context context;
  private volatile RelayPolicy policy;
  private volatile TokenBucket total;
  private final AccessLists access;
  private final HeldBytes held;
  private final RelaySessions sessions = new RelaySessions(this);
  private final RelayDisconnects disconnects;
  private final ConcurrentHashMap<String, RelayEndpoint> waiting = new ConcurrentHashMap<>();
  private final AtomicLong nextSession = new AtomicLong();

  private RelayHub(NodeCore core, Vertx vertx, Context context, RelayPolicy policy, long maxHeldBytes) {
    this.core = core;
    this.context = context;
    this.policy = policy;
    this.held = new HeldBytes(maxHeldBytes);
    this.total = TokenBucket.megabitsPerSecond(policy.totalMbps(), System.nanoTime());
    this.access = new AccessLists(vertx, core.config().server().dataDir());
    this.disconnects = new RelayDisconnects(vertx, sessions, System::currentTimeMillis);
  }

  /**
   * The node's relay with the rules of {@code options}, on the caller's context (where the
   * access lists are polled and session events published); completes once the access lists are
   * loaded and it hears of the devices' sessions an admin ends.
   */
  public static Future<RelayHub> start(Vertx vertx, NodeCore core, RelayOptions options) {
    RelayHub hub = new RelayHub(core, vertx, vertx.getOrCreateContext(), RelayPolicy.of(options),
        maxHeldBytes(options.maxHeldBytes(), PlatformDependent.maxDirectMemory()));
    return hub.access.start(options.accessListPollMillis()).compose(v -> hub.disconnects.start()).map(hub);
  }

  /**
   * The node-wide cap on held bytes: as configured, or (0) a quarter of the direct-memory limit,
   * which leaves the rest to socket buffers, pools and the other ports (at least 1 MiB).
   */
  static long maxHeldBytes(int configured, long maxDirectMemory) {
    return configured > 0 ? configured : Math.max(RelayOptions.MIN_HELD_BYTES, maxDirectMemory / 4);
  }

  /** Stops polling the access lists and listening; the relay ports close their own connections. */
  public void close() {
    access.stop();
    disconnects.stop();
  }

  /** The live sessions, TCP and WebSocket alike. */
  public RelaySessions sessions() {
    return sessions;
  }

  /** What the node's relay connections hold, against its cap. */
  public HeldBytes heldBytes() {
    return held;
  }

  /** What the admin API may change at run time. */
  public RelayControl control() {
    return new RelayControl(this);
  }

  RelayPolicy policy() {
    return policy;
  }

  TokenBucket totalBucket() {
    return total;
  }

  /**
   * Replaces the limits (admin API). Sessions paired from now on follow the new policy; a new
   * total bandwidth also applies at once to the sessions already running.
   */
  void updatePolicy(RelayPolicy p) {
    if (p.totalMbps() != policy.totalMbps()) {
      total = TokenBucket.megabitsPerSecond(p.totalMbps(), System.nanoTime());
    }
    policy = p;
  }

  /** The context of the verticle instance that created the hub (the access lists poll there). */
  Context context() {
    return context;
  }

  AccessLists access() {
    return access;
  }

  RelayBrokerage brokerage() {
    return core.brokerage();
  }

  int waitingCount() {
    return waiting.size();
  }

  /**
   * Pairs {@code endpoint} with the connection waiting under {@code uuid}, or parks it there.
   * A waiter whose connection has already gone is replaced (and closed) rather than paired.
   *
   * @return the new session, or null when {@code endpoint} now waits
   */
  RelaySession offer(String uuid, RelayEndpoint endpoint) {
    RelayEndpoint[] partner = new RelayEndpoint[1];
    RelayEndpoint[] replaced = new RelayEndpoint[1];
    waiting.compute(uuid, (k, w) -> {
      if (w != null && w != endpoint && w.isOpen()) {
        partner[0] = w;
        return null;
      }
      replaced[0] = w;
      return endpoint;
    });
    if (replaced[0] != null && replaced[0] != endpoint) {
      replaced[0].close(false);
    }
    if (partner[0] == null) {
      return null;
    }
    RelaySession session = new RelaySession(this, Long.toString(nextSession.incrementAndGet()), uuid,
        partner[0], endpoint);
    session.start();
    return session;
  }

  /** Removes {@code endpoint} from the waiting table if it is still there. */
  boolean withdraw(String uuid, RelayEndpoint endpoint) {
    return waiting.remove(uuid, endpoint);
  }

  void publishOpened(RelaySession s) {
    String id = s.id();
    String uuid = s.uuid();
    String a = s.firstDescription();
    String b = s.secondDescription();
    context.runOnContext(v -> core.events().relaySessionOpened(id, uuid, a, b));
  }

  void publishClosed(RelaySession s, String reason) {
    String id = s.id();
    String uuid = s.uuid();
    String a = s.firstDescription();
    String b = s.secondDescription();
    long ab = s.bytesFirstToSecond();
    long ba = s.bytesSecondToFirst();
    long ms = s.durationMillis();
    context.runOnContext(v -> core.events().relaySessionClosed(id, uuid, a, b, ab, ba, ms, reason));
  }
}
