package dev.vertdesk.relay;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the relayed sessions of a device when an admin ends all its sessions
 * ({@link Addresses#DEVICE_DISCONNECT} without {@code conns}), on whichever node relays them. The
 * relay only knows a session's uuid; signaling, on any node, publishes which device each uuid it
 * brokered was for ({@link Addresses#RELAY_BROKERED}), and this keeps that for as long as a
 * session of the uuid lives (at least {@link #TTL_MILLIS}).
 */
final class RelayDisconnects {

  private static final Logger LOG = LoggerFactory.getLogger(RelayDisconnects.class);
  /** A brokered uuid without a session here is forgotten after this. */
  static final long TTL_MILLIS = TimeUnit.MINUTES.toMillis(2);
  /** The most uuids held; beyond it, newly brokered ones are not (their sessions cannot be ended so). */
  static final int MAX_UUIDS = 200_000;
  static final String REASON = "disconnected-by-admin";

  /** The device a uuid was brokered for, and when. */
  private record Brokered(String id, long at) {
  }

  private final Vertx vertx;
  private final RelaySessions sessions;
  private final LongSupplier clock;
  private final ConcurrentHashMap<String, Brokered> brokered = new ConcurrentHashMap<>();
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private MessageConsumer<JsonObject> brokeredEvents;
  private MessageConsumer<JsonObject> disconnects;
  private long timer = -1;

  RelayDisconnects(Vertx vertx, RelaySessions sessions, LongSupplier clock) {
    this.vertx = vertx;
    this.sessions = sessions;
    this.clock = clock;
  }

  /** Listens to both addresses; completes once they reach this node. */
  Future<Void> start() {
    brokeredEvents = vertx.eventBus().consumer(Addresses.RELAY_BROKERED, m -> brokered(m.body()));
    disconnects = vertx.eventBus().consumer(Addresses.DEVICE_DISCONNECT, m -> disconnect(m.body()));
    timer = vertx.setPeriodic(TTL_MILLIS / 2, t -> sweep());
    return Future.all(brokeredEvents.completion(), disconnects.completion()).mapEmpty();
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (brokeredEvents != null) {
      brokeredEvents.unregister();
    }
    if (disconnects != null) {
      disconnects.unregister();
    }
  }

  private void brokered(JsonObject body) {
    Object uuid = body == null ? null : body.getValue("uuid");
    Object id = body == null ? null : body.getValue("id");
    if (!(uuid instanceof String u) || !(id instanceof String device) || u.isEmpty() || device.isEmpty()) {
      return;
    }
    if (brokered.size() >= MAX_UUIDS && !brokered.containsKey(u)) {
      warnings.warn("brokered-full", "{} brokered relay uuids held: {} not kept, an admin cannot end its session",
          brokered.size(), u);
      return;
    }
    brokered.put(u, new Brokered(device, clock.getAsLong()));
  }

  private void disconnect(JsonObject body) {
    if (body == null || !(body.getValue("id") instanceof String id) || body.getValue("conns") != null) {
      return; // single connections are ended by the device itself: the relay cannot tell them apart
    }
    for (RelaySessionInfo s : sessions.list()) {
      Brokered b = brokered.get(s.uuid());
      if (b != null && b.id().equals(id) && sessions.end(s.id(), REASON)) {
        LOG.info("relay session {} of device {} ended by an admin", s.id(), id);
      }
    }
  }

  private void sweep() {
    long now = clock.getAsLong();
    Set<String> live = new HashSet<>();
    sessions.list().forEach(s -> live.add(s.uuid()));
    brokered.entrySet().removeIf(e -> now - e.getValue().at() > TTL_MILLIS && !live.contains(e.getKey()));
  }
}
