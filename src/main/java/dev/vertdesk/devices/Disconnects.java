package dev.vertdesk.devices;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions an admin ended, waiting for their device's next heartbeat, which carries them in
 * {@code disconnect} (rustdesk/rustdesk: src/hbbs_http/sync.rs). A device may send its heartbeats
 * to any API node, so every node holds them: an admin's request is announced on
 * {@link Addresses#DEVICE_DISCONNECT} to all. Each node tells the device once; a request the
 * device does not collect within {@link #TTL_MILLIS} (it is offline) is dropped.
 */
final class Disconnects {

  private static final Logger LOG = LoggerFactory.getLogger(Disconnects.class);
  /** Devices heartbeat every 3 s while they have connections: a minute is many chances. */
  static final long TTL_MILLIS = TimeUnit.MINUTES.toMillis(1);
  /** The most requests held at once; announcements beyond it are dropped (admins make them one by one). */
  static final int MAX_PENDING = 100_000;
  static final int MAX_CONNS = 1024;
  /** "Every connection the device reports", told apart from other arrays by identity. */
  private static final int[] ALL = new int[0];
  private static final int[] NOTHING = new int[0];

  /** Connection ids to end ({@link #ALL}: whatever the device reports), and until when. */
  private record Pending(int[] conns, long until) {
  }

  private final Vertx vertx;
  private final LongSupplier clock;
  private final String origin = UUID.randomUUID().toString();
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;

  Disconnects(Vertx vertx, LongSupplier clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  /** Listens to the other nodes' requests and drops expired ones now and then; completes once listening. */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.DEVICE_DISCONNECT, m -> received(m.body()));
    timer = vertx.setPeriodic(TTL_MILLIS, t -> {
      long now = clock.getAsLong();
      pending.values().removeIf(p -> p.until() < now);
    });
    return consumer.completion();
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
  }

  /**
   * Ends {@code conns} of device {@code id} ({@code null}: all its connections): held here at once,
   * announced to every node (and to the relays).
   */
  void request(String id, int[] conns) {
    hold(id, conns == null ? ALL : conns.clone());
    JsonObject body = new JsonObject().put("id", id).put("origin", origin);
    if (conns != null) {
      JsonArray a = new JsonArray();
      Arrays.stream(conns).forEach(a::add);
      body.put("conns", a);
    }
    vertx.eventBus().publish(Addresses.DEVICE_DISCONNECT, body);
  }

  private void received(JsonObject body) {
    if (body == null || origin.equals(body.getValue("origin"))) {
      return; // ours: held already
    }
    Object id = body.getValue("id");
    Object conns = body.getValue("conns");
    int[] ids = conns == null ? ALL : connIds(conns);
    if (!(id instanceof String device) || ids == null) {
      warnings.warn("disconnect", "ignored a malformed disconnect request: {}", body);
      return;
    }
    hold(device, ids);
  }

  private static int[] connIds(Object conns) {
    if (!(conns instanceof JsonArray a) || a.isEmpty() || a.size() > MAX_CONNS) {
      return null;
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(a.getValue(i) instanceof Integer n)) {
        return null;
      }
      out[i] = n;
    }
    return out;
  }

  private void hold(String id, int[] conns) {
    if (pending.size() >= MAX_PENDING && !pending.containsKey(id)) {
      warnings.warn("disconnect-full", "{} disconnect requests wait for their devices: one for {} dropped",
          pending.size(), id);
      return;
    }
    pending.put(id, new Pending(conns, clock.getAsLong() + TTL_MILLIS));
  }

  /**
   * What the heartbeat of {@code id}, which reports {@code live} connections, must end; empty for
   * nothing. A request is handed out once.
   */
  int[] take(String id, int[] live) {
    if (pending.isEmpty()) {
      return NOTHING;
    }
    Pending p = pending.remove(id);
    if (p == null || p.until() < clock.getAsLong()) {
      return NOTHING;
    }
    return p.conns() == ALL ? live : p.conns();
  }
}
