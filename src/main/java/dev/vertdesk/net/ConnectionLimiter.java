package dev.vertdesk.net;

import dev.vertdesk.config.IpRanges;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.protocol.AddrMangle;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections this node's TCP and WebSocket listeners hold, and their limits: per client
 * address and in all, for the public ports together (signaling, nat, relay, ws, wsrelay) and for
 * the admin port apart. Each connection costs a file descriptor; once a process has none left it
 * can accept nobody, on any port, nor open a file, so the node-wide limit stays below the
 * process's open-file limit (see {@link dev.vertdesk.config.ConnectionOptions}).
 *
 * <p>Each listener {@link Listener#guard guards} its listening channel: every accepted connection is
 * admitted there, on the acceptor, or closed at once, counted
 * ({@code vertdesk_connections_refused_total}) and logged at most once per
 * {@link #LOG_INTERVAL_MILLIS} per listener and reason, with how many more there were. A refused
 * connection thus gives its descriptor back before the next is accepted, and a burst cannot run
 * the process out of descriptors while event loops catch up. Failures to accept (out of
 * descriptors) are logged the same way, instead of once a second by Netty.
 *
 * <p>Addresses are counted normalised (an IPv4-mapped IPv6 address as the IPv4 address). A trusted
 * proxy ({@code trustedProxies}) stands for many clients: its connections count only towards the
 * total, and on the WebSocket ports the client it names in its headers is counted instead
 * ({@link #attribute}).
 *
 * <p>One per node, built by the composition root and handed to every listener; thread-safe, since
 * the listeners run on several event loops.
 */
public final class ConnectionLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
  /** Refusals and accept failures of one kind are logged at most once per this interval. */
  static final long LOG_INTERVAL_MILLIS = 60_000;
  private static final AttributeKey<Slot> SLOT = AttributeKey.valueOf(ConnectionLimiter.class, "slot");
  private static final String ADMISSION = "vertdesk-admission";
  private static final String ACCEPT_FAILURES = "vertdesk-accept-failures";

  /** Why a connection was refused; the {@code reason} label. */
  public enum Refusal {
    PER_IP("per-ip"), TOTAL("total");

    private final String label;

    Refusal(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** Connections counted together against one total and one per-address limit. */
  private static final class Pool {
    final int maxTotal;
    final int maxPerIp;
    final String totalKey;
    final String perIpKey;
    final AtomicInteger total = new AtomicInteger();
    final Map<InetAddress, Integer> perIp = new ConcurrentHashMap<>();

    Pool(int maxTotal, int maxPerIp, String totalKey, String perIpKey) {
      this.maxTotal = maxTotal;
      this.maxPerIp = maxPerIp;
      this.totalKey = totalKey;
      this.perIpKey = perIpKey;
    }

    boolean takeTotal() {
      if (total.incrementAndGet() > maxTotal) {
        total.decrementAndGet();
        return false;
      }
      return true;
    }

    boolean takeAddress(InetAddress ip) {
      boolean[] taken = new boolean[1];
      perIp.compute(ip, (k, n) -> {
        int held = n == null ? 0 : n;
        if (held >= maxPerIp) {
          return n;
        }
        taken[0] = true;
        return held + 1;
      });
      return taken[0];
    }

    void releaseAddress(InetAddress ip) {
      perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** What an admitted connection holds, given back when its channel closes. */
  private static final class Slot {
    final Listener listener;
    /** The address counted per IP at accept; null for a trusted proxy. */
    final InetAddress peer;
    /** The client a trusted proxy named, counted per IP after the upgrade. */
    InetAddress client;
    boolean released;

    Slot(Listener listener, InetAddress peer) {
      this.listener = listener;
      this.peer = peer;
    }

    synchronized void release() {
      if (released) {
        return;
      }
      released = true;
      Pool pool = listener.pool;
      pool.total.decrementAndGet();
      if (peer != null) {
        pool.releaseAddress(peer);
      }
      if (client != null) {
        pool.releaseAddress(client);
      }
      listener.open.decrementAndGet();
    }
  }

  private final Pool publicPool;
  private final Pool adminPool;
  private final IpRanges proxies;
  private final RepeatedLog reports;
  private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
  private final List<Meter> meters = new ArrayList<>();
  private MeterRegistry registry;

  /**
   * @param maxTotal      connections the public ports hold together at most
   * @param maxPerIp      connections one address holds on the public ports together at most
   * @param adminMaxTotal the same for the admin port
   * @param adminMaxPerIp the same for the admin port
   * @param proxies       addresses not limited per IP (trusted reverse proxies)
   */
  public ConnectionLimiter(int maxTotal, int maxPerIp, int adminMaxTotal, int adminMaxPerIp, IpRanges proxies) {
    this.publicPool = new Pool(maxTotal, maxPerIp, "connections.maxTotal", "connections.maxPerIp");
    this.adminPool = new Pool(adminMaxTotal, adminMaxPerIp, "verticles.admin.config.maxConnections",
        "verticles.admin.config.maxConnectionsPerIp");
    this.proxies = proxies;
    this.reports = new RepeatedLog(LOG, LOG_INTERVAL_MILLIS);
  }

  /**
   * The node's limiter for {@code config}: a node-wide limit that is not configured is derived
   * from this process's open-file limit. Logs the limits it applies.
   */
  public static ConnectionLimiter forNode(NodeConfig config) {
    long files = openFileLimit();
    int perIp = config.connections().maxPerIp();
    int total;
    if (files > 0) {
      total = config.connections().maxTotal(files);
      if (total > files - config.admin().options().maxConnections()) {
        LOG.warn("connections.maxTotal {} leaves no room below this process's open-file limit of {}: the node "
            + "may run out of descriptors (\"Too many open files\") before it refuses connections", total, files);
      }
    } else {
      // not a Unix JVM: no descriptor limit to stay under, only what is configured
      total = config.connections().maxTotal().orElse(Integer.MAX_VALUE);
    }
    int adminTotal = config.admin().options().maxConnections();
    int adminPerIp = config.admin().options().maxConnectionsPerIp();
    LOG.info("connection limits: {} per address and {} in all on the public ports (open-file limit {}), "
        + "{} per address and {} in all on the admin port", perIp, total == Integer.MAX_VALUE ? "no limit" : total,
        files > 0 ? files : "unknown", adminPerIp, adminTotal);
    return new ConnectionLimiter(total, perIp, adminTotal, adminPerIp, config.server().trustedProxies());
  }

  /** The most descriptors this process may open ({@code RLIMIT_NOFILE}), or -1 where the JVM cannot tell. */
  private static long openFileLimit() {
    try {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        return unix.getMaxFileDescriptorCount();
      }
    } catch (LinkageError e) {
      // a runtime image without jdk.management
    }
    return -1;
  }

  /**
   * A listener's handle, shared by all its instances. The admin port ({@code admin}) counts in
   * its own pool; every other name in the public one.
   */
  public Listener listener(String name) {
    return listeners.computeIfAbsent(name, n -> {
      Listener l = new Listener(n, "admin".equals(n) ? adminPool : publicPool);
      synchronized (meters) {
        if (registry != null) {
          l.register(registry);
        }
      }
      return l;
    });
  }

  /**
   * Publishes {@code vertdesk_connections_open}, {@code vertdesk_connections_refused_total} and
   * {@code vertdesk_connections_accept_failures_total} for every listener, now and to come.
   */
  public void registerMeters(MeterRegistry registry) {
    synchronized (meters) {
      this.registry = registry;
      listeners.values().forEach(l -> l.register(registry));
    }
  }

  /** Takes this limiter's meters out of the registry (the node stops). */
  public void removeMeters() {
    synchronized (meters) {
      if (registry != null) {
        meters.forEach(registry::remove);
      }
      meters.clear();
      registry = null;
    }
  }

  /**
   * Counts a WebSocket connection from a trusted proxy against the client the proxy names
   * ({@code X-Real-IP} / {@code X-Forwarded-For}, once the upgrade request is read). A connection
   * already counted by its own address, or naming another trusted proxy, is left as it is.
   *
   * @return false when that client is at its limit: the caller closes the connection
   */
  public static boolean attribute(Channel channel, InetAddress client) {
    Slot slot = channel.attr(SLOT).get();
    if (slot == null) {
      return true; // not admitted through a limiter
    }
    return slot.listener.attribute(slot, AddrMangle.normalize(client));
  }

  /** The connections and refusals of one listener (all its instances). */
  public final class Listener {

    private final String name;
    private final Pool pool;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refusedPerIp = new LongAdder();
    private final LongAdder refusedTotal = new LongAdder();
    private final LongAdder acceptFailures = new LongAdder();
    private final ChannelHandler admission = new Admission();
    private final ChannelHandler acceptFailureReport = new AcceptFailureReport();

    private Listener(String name, Pool pool) {
      this.name = name;
      this.pool = pool;
    }

    /**
     * Checks the limits on {@code listening}, this listener's listening channel, as each
     * connection is accepted, and reports failures to accept through the rate-limited log rather
     * than Netty's warning (once a second per listener while they last).
     */
    public void guard(Channel listening) {
      listening.eventLoop().execute(() -> {
        ChannelPipeline pipeline = listening.pipeline();
        if (pipeline.get(ADMISSION) == null) {
          pipeline.addFirst(ADMISSION, admission);
          // last: Netty's acceptor before it pauses accepting for a second on a failure
          pipeline.addLast(ACCEPT_FAILURES, acceptFailureReport);
        }
      });
    }

    /** {@link #guard(Channel)} for a Vert.x server, once it listens. */
    public void guard(NetServer server) {
      guard(ListeningChannel.of(server));
    }

    /** {@link #guard(Channel)} for a Vert.x HTTP server, once it listens. */
    public void guard(HttpServer server) {
      guard(ListeningChannel.of(server));
    }

    /**
     * Admits an accepted channel, or closes it at once and counts it. An admitted channel gives
     * its place back when it closes, however it closes. A channel admitted when it was accepted
     * ({@link #guard}) is not counted twice: listeners call this from their connection handlers
     * too, for what was accepted before the guard was in place.
     *
     * @return whether the channel is admitted
     */
    public boolean admit(Channel channel) {
      if (channel.hasAttr(SLOT) && channel.attr(SLOT).get() != null) {
        return true;
      }
      InetAddress peer = channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
          ? AddrMangle.normalize(a.getAddress()) : null;
      if (!pool.takeTotal()) {
        refuse(channel, peer, Refusal.TOTAL);
        return false;
      }
      boolean proxy = peer == null || proxies.contains(peer);
      if (!proxy && !pool.takeAddress(peer)) {
        pool.total.decrementAndGet();
        refuse(channel, peer, Refusal.PER_IP);
        return false;
      }
      Slot slot = new Slot(this, proxy ? null : peer);
      open.incrementAndGet();
      channel.attr(SLOT).set(slot);
      channel.closeFuture().addListener(f -> slot.release());
      return true;
    }

    private boolean attribute(Slot slot, InetAddress client) {
      synchronized (slot) {
        if (slot.released || slot.peer != null || slot.client != null || proxies.contains(client)) {
          return true;
        }
        if (!pool.takeAddress(client)) {
          refusedPerIp.increment();
          report(client, Refusal.PER_IP);
          return false;
        }
        slot.client = client;
        return true;
      }
    }

    private void refuse(Channel channel, InetAddress peer, Refusal why) {
      (why == Refusal.PER_IP ? refusedPerIp : refusedTotal).increment();
      if (channel.isRegistered()) {
        channel.close();
      } else {
        channel.unsafe().closeForcibly(); // still on the acceptor: its descriptor goes at once
      }
      report(peer, why);
    }

    private void report(InetAddress address, Refusal why) {
      String ip = address == null ? "?" : address.getHostAddress();
      if (why == Refusal.PER_IP) {
        reports.warn(name + ":" + why.label(), "{}: refused a connection from {}: that address holds {} already ({})",
            name, ip, pool.maxPerIp, pool.perIpKey);
      } else {
        reports.warn(name + ":" + why.label(), "{}: refused a connection from {}: the node holds {} already ({})",
            name, ip, pool.maxTotal, pool.totalKey);
      }
    }

    /** Connections open now. */
    public int open() {
      return open.get();
    }

    /** Connections refused so far for {@code why}. */
    public long refused(Refusal why) {
      return (why == Refusal.PER_IP ? refusedPerIp : refusedTotal).sum();
    }

    /** Failures to accept so far. */
    public long acceptFailures() {
      return acceptFailures.sum();
    }

    private void register(MeterRegistry registry) {
      meters.add(Gauge.builder("vertdesk.connections.open", this, Listener::open)
          .description("connections open on a listener").tag("listener", name).strongReference(true)
          .register(registry));
      for (Refusal why : Refusal.values()) {
        meters.add(FunctionCounter.builder("vertdesk.connections.refused", this, l -> l.refused(why))
            .description("connections closed at accept because a connection limit was reached")
            .tags("listener", name, "reason", why.label()).register(registry));
      }
      meters.add(FunctionCounter.builder("vertdesk.connections.accept.failures", this, Listener::acceptFailures)
          .description("failures to accept a connection (e.g. out of file descriptors)").tag("listener", name)
          .register(registry));
    }

    /** First on the listening channel: each accepted connection is admitted or closed. */
    @ChannelHandler.Sharable
    private final class Admission extends ChannelInboundHandlerAdapter {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel accepted) || admit(accepted)) {
          ctx.fireChannelRead(msg);
        }
      }
    }

    /** Last on the listening channel, after Netty's acceptor: what reaches it is a failed accept. */
    @ChannelHandler.Sharable
    private final class AcceptFailureReport extends ChannelInboundHandlerAdapter {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        acceptFailures.increment();
        reports.error(name + ":accept", "{}: cannot accept connections: {}", name, cause.toString());
      }
    }
  }
}
