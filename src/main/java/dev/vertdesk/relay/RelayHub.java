package dev.vertdesk.relay;

import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.server.ServerContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every instance of the relay verticle on one node shares: the uuid → waiting endpoint
 * table (PROTOCOL.md §7.2), the live sessions, the total bandwidth bucket and the access lists.
 * Pairing only sees {@link RelayEndpoint}s, so TCP and WebSocket ends pair alike.
 */
final class RelayHub {

  private static final Map<ServerContext, RelayHub> HUBS = new ConcurrentHashMap<>();

  private final ServerContext ctx;
  private final Context context;
  private volatile RelayPolicy policy;
  private volatile TokenBucket total;
  private final AccessLists access;
  private final RelaySessions sessions = new RelaySessions(this);
  private final ConcurrentHashMap<String, RelayEndpoint> waiting = new ConcurrentHashMap<>();
  private final AtomicLong nextSession = new AtomicLong();
  private int users;
  private Future<Void> started;

  private RelayHub(ServerContext ctx, Vertx vertx, Context context, RelayPolicy policy) {
    this.ctx = ctx;
    this.context = context;
    this.policy = policy;
    this.total = TokenBucket.megabitsPerSecond(policy.totalMbps(), System.nanoTime());
    this.access = new AccessLists(vertx, ctx.config().dataDir());
  }

  /**
   * The node's hub, created by the first verticle instance (whose options and context it
   * keeps); completes once the access lists are loaded.
   */
  static Future<RelayHub> acquire(ServerContext ctx, Vertx vertx, Context context, RelayPolicy policy,
                                  long accessPollMillis) {
    RelayHub hub;
    synchronized (HUBS) {
      hub = HUBS.computeIfAbsent(ctx, c -> new RelayHub(c, vertx, context, policy));
      hub.users++;
      if (hub.started == null) {
        hub.started = hub.access.start(accessPollMillis);
      }
    }
    RelayHub h = hub;
    return hub.started.map(v -> h);
  }

  static Optional<RelayHub> find(ServerContext ctx) {
    return Optional.ofNullable(HUBS.get(ctx));
  }

  void release() {
    synchronized (HUBS) {
      if (--users == 0) {
        HUBS.remove(ctx, this);
        access.stop();
      }
    }
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

  RelaySessions sessions() {
    return sessions;
  }

  RelayBrokerage brokerage() {
    return ctx.brokerage();
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
    context.runOnContext(v -> ctx.events().relaySessionOpened(id, uuid, a, b));
  }

  void publishClosed(RelaySession s, String reason) {
    String id = s.id();
    String uuid = s.uuid();
    String a = s.firstDescription();
    String b = s.secondDescription();
    long ab = s.bytesFirstToSecond();
    long ba = s.bytesSecondToFirst();
    long ms = s.durationMillis();
    context.runOnContext(v -> ctx.events().relaySessionClosed(id, uuid, a, b, ab, ba, ms, reason));
  }
}
