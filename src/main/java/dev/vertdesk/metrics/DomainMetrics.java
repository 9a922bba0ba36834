package dev.vertdesk.metrics;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventTypes;
import dev.vertdesk.node.BuildInfo;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.relay.HeldBytes;
import dev.vertdesk.relay.RelayHub;
import dev.vertdesk.relay.RelaySessionInfo;
import dev.vertdesk.relay.RelaySessions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Vertdesk's own series ({@code vertdesk_*}), next to Vert.x's: gauges read from the node's
 * registry and relay, counters fed by the domain events this node publishes (local consumers
 * only, so a cluster never counts one event on several nodes). Labels take a small fixed set of
 * values (result, outcome, surface, reason); never a peer ID or an address.
 */
public final class DomainMetrics {

  /** Refusal reasons of a key registration or ID change (registry outcomes). */
  static final Set<String> REGISTRATION_REFUSALS = Set.of("short-id", "long-id", "ip-rate", "id-rate",
      "cluster-rate", "uuid-mismatch", "store-write", "invalid-id", "id-change-not-owner", "id-exists", "store",
      "disabled");
  /** Refusal reason of each rate limiter → the {@code limiter} label. */
  static final Map<String, String> LIMITERS = Map.of("ip-rate", "ip", "id-rate", "id", "cluster-rate", "cluster");
  static final Set<String> REGISTRATION_SURFACES = Set.of("udp", "tcp", "websocket");
  /** Distinct values one label may take before the rest are counted as {@code other}. */
  static final int MAX_LABEL_VALUES = 64;

  private final Vertx vertx;
  private final NodeCore core;
  private final Optional<RelaySessions> relay;
  private final Optional<HeldBytes> held;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> labelValues = new HashMap<>();
  // relay bytes: closed sessions plus the last count seen of each live one (see relayBytes)
  private final Map<String, Long> liveBytes = new HashMap<>();
  private long closedBytes;
  private double lastBytes;

  /** @param relay the node's relay, when it runs a relay port */
  public DomainMetrics(Vertx vertx, NodeCore core, Optional<RelayHub> relay, MeterRegistry registry) {
    this.vertx = vertx;
    this.core = core;
    this.relay = relay.map(RelayHub::sessions);
    this.held = relay.map(RelayHub::heldBytes);
    this.registry = registry;
  }

  public DomainMetrics start() {
    gauge("vertdesk.peers.registered", "IDs this node holds in memory", c -> c.registry().size());
    gauge("vertdesk.peers.online", "devices registered within REG_TIMEOUT on this node",
        c -> c.registry().onlineCount());
    gauge("vertdesk.relay.sessions.active", "paired relay sessions now running on this node",
        c -> relay.map(RelaySessions::size).orElse(0));
    gauge("vertdesk.relay.sessions.waiting", "relay connections waiting for their partner",
        c -> relay.map(RelaySessions::waiting).orElse(0));
    held.ifPresent(h -> {
      gauge("vertdesk.relay.held.bytes", "bytes the relay's connections hold in unfinished and queued messages",
          c -> h.total());
      gauge("vertdesk.relay.held.max.bytes", "the node's cap on those bytes (maxHeldBytes)", c -> h.max());
      synchronized (meters) {
        for (HeldBytes.Limit limit : HeldBytes.Limit.values()) {
          meters.add(FunctionCounter.builder("vertdesk.relay.held.closes", h, x -> x.closes(limit))
              .description("relay connections closed for what they held, by the limit they hit")
              .tags(Tags.of("limit", limit.label()))
              .register(registry));
        }
      }
    });
    gauge("vertdesk.cluster.members", "cluster members this node sees (1 when not clustered)",
        c -> c.cluster().members().size());
    gauge("vertdesk.node.draining", "1 while this node drains", c -> c.drain().draining() ? 1 : 0);
    Gauge build = Gauge.builder("vertdesk.build.info", () -> 1).description("the running build; its version as a label")
        .tags("version", BuildInfo.version()).strongReference(true).register(registry);
    synchronized (meters) {
      meters.add(build);
    }
    synchronized (meters) {
      meters.add(FunctionCounter.builder("vertdesk.relay.bytes", this, DomainMetrics::relayBytes)
          .description("bytes forwarded by this node's relay, both directions")
          .baseUnit("bytes")
          .register(registry));
    }
    // counters that show 0 before their first event
    relaySessions();
    brokered();

    consume(Addresses.PEER_REGISTERED, e ->
        registration(e.getBoolean("created", false) ? "created" : "updated"));
    consume(Addresses.PUNCH_REQUESTED, e -> counter("vertdesk.punch.requests", "punch-hole requests by outcome",
        Tags.of("outcome", bounded("outcome", lower(e.getString("outcome", ""))))).increment());
    consume(Addresses.RELAY_BROKERED, e -> brokered().increment());
    consume(Addresses.RELAY_SESSION_OPENED, e -> relaySessions().increment());
    consume(Addresses.RELAY_SESSION_CLOSED, this::sessionClosed);
    consume(Addresses.REJECTED, this::rejected);
    for (String address : EventTypes.addresses()) {
      String type = EventTypes.type(address);
      consume(address, e -> counter("vertdesk.events", "domain events published by this node, by type",
          Tags.of("type", type)).increment());
    }
    return this;
  }

  public void close() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    synchronized (meters) {
      meters.forEach(registry::remove);
      meters.clear();
    }
    counters.clear();
  }

  private void gauge(String name, String help, ToDoubleFunction<NodeCore> f) {
    Gauge g = Gauge.builder(name, core, f).description(help).strongReference(true).register(registry);
    synchronized (meters) {
      meters.add(g);
    }
  }

  private Counter counter(String name, String help, Tags tags) {
    return counters.computeIfAbsent(name + tags, k -> {
      Counter c = Counter.builder(name).description(help).tags(tags).register(registry);
      synchronized (meters) {
        meters.add(c);
      }
      return c;
    });
  }

  private Counter relaySessions() {
    return counter("vertdesk.relay.sessions", "relay sessions paired by this node", Tags.empty());
  }

  private Counter brokered() {
    return counter("vertdesk.relay.brokered", "relays brokered by this node's signaling", Tags.empty());
  }

  private void consume(String address, Consumer<JsonObject> handler) {
    // local: only what this node published, so cluster members never count an event twice
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(address, m -> {
      if (m.body() != null) {
        handler.accept(m.body());
      }
    }));
  }

  private void registration(String result) {
    counter("vertdesk.registrations", "key registrations (RegisterPk, ID change) by result",
        Tags.of("result", result)).increment();
  }

  private void rejected(JsonObject e) {
    String surface = e.getString("surface", "");
    String reason = e.getString("reason", "");
    counter("vertdesk.rejections", "requests refused, by surface and reason",
        Tags.of("surface", bounded("surface", surface), "reason", bounded("reason", reason))).increment();
    if (REGISTRATION_SURFACES.contains(surface) && REGISTRATION_REFUSALS.contains(reason)) {
      registration(reason);
    }
    String limiter = LIMITERS.get(reason);
    if (limiter != null) {
      counter("vertdesk.limiter.hits", "registrations refused by a rate limiter",
          Tags.of("limiter", limiter)).increment();
    }
  }

  private synchronized void sessionClosed(JsonObject e) {
    closedBytes += e.getLong("bytesFirstToSecond", 0L) + e.getLong("bytesSecondToFirst", 0L);
    liveBytes.remove(e.getString("session") + "/" + e.getString("uuid"));
  }

  /**
   * Bytes relayed so far, never decreasing: closed sessions count their final total (from the
   * closed event), live ones the last count seen. A session leaves the live list just before its
   * closed event arrives; in between, its last seen count stands in for it.
   */
  private synchronized double relayBytes() {
    if (relay.isPresent()) {
      for (RelaySessionInfo i : relay.get().list()) {
        liveBytes.merge(i.id() + "/" + i.uuid(), i.bytesFirstToSecond() + i.bytesSecondToFirst(), Math::max);
      }
    }
    long sum = closedBytes;
    for (long b : liveBytes.values()) {
      sum += b;
    }
    lastBytes = Math.max(lastBytes, sum);
    return lastBytes;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** {@code value}, or {@code other} once {@code label} has taken too many distinct values. */
  private String bounded(String label, String value) {
    String v = value.isEmpty() ? "none" : value;
    synchronized (labelValues) {
      Set<String> seen = labelValues.computeIfAbsent(label, k -> new java.util.HashSet<>());
      if (seen.contains(v)) {
        return v;
      }
      if (seen.size() >= MAX_LABEL_VALUES) {
        return "other";
      }
      seen.add(v);
      return v;
    }
  }
}
