package dev.vertdesk.strategy;

import dev.vertdesk.db.CoalescedReads;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.AssignmentChanges;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the strategies and of which users and device groups they are assigned to,
 * so that a heartbeat resolves its device's strategy in memory (the device's own assignment comes
 * with the device's row, which the heartbeats read once). Read at start, read again when an
 * admin's change is announced on {@link Addresses#ASSIGNMENTS_CHANGED} (cluster-wide) or a user
 * changes ({@link Addresses#ACCOUNTS_INVALIDATE}: deleted, disabled ...), and every
 * {@code devices.disabledRefreshSeconds} in case an announcement was missed. Safe from any thread.
 */
public final class StrategyBook {

  private static final Logger LOG = LoggerFactory.getLogger(StrategyBook.class);

  /**
   * A device's strategy as the heartbeat delivers it.
   *
   * @param modifiedAt the strategy's version, which the client keeps as {@code strategy_timestamp}
   *                   and sends back as {@code modified_at}; 0 for no strategy
   * @param strategy   {@code {"config_options": {...}}}, shared by every answer and never changed;
   *                   {@code null} for no strategy
   */
  public record Resolved(long modifiedAt, JsonObject strategy) {
    public static final Resolved NONE = new Resolved(0, null);
  }

  /** The enabled strategies by guid, and the strategies of users and device groups by their guid. */
  private record Snapshot(Map<String, Resolved> strategies, Map<String, String> users, Map<String, String> groups) {
  }

  private final Vertx vertx;
  private final Database db;
  private final List<Consumer<List<String>>> onDevices = new CopyOnWriteArrayList<>();
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());
  private final CoalescedReads reads = new CoalescedReads(this::read,
      e -> warnings.warn("strategies-read", "strategies not read: {}", e.toString()));
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> accounts;
  private long timer = -1;

  private StrategyBook(Vertx vertx, Database db) {
    this.vertx = vertx;
    this.db = db;
  }

  /** Listens to the announcements, then reads the strategies; fails if that read fails. */
  public static Future<StrategyBook> start(Vertx vertx, Database db, int refreshSeconds) {
    StrategyBook book = new StrategyBook(vertx, db);
    book.consumer = vertx.eventBus().consumer(Addresses.ASSIGNMENTS_CHANGED, m -> book.changed(m.body()));
    // a deleted user takes the strategy assigned to them along
    book.accounts = vertx.eventBus().consumer(Addresses.ACCOUNTS_INVALIDATE, m -> {
      if (m.body() != null && m.body().getValue("user") != null) {
        book.reload();
      }
    });
    return Future.all(book.consumer.completion(), book.accounts.completion()).compose(v -> book.reload()).map(v -> {
      book.timer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(refreshSeconds), t -> book.reload());
      return book;
    });
  }

  private void changed(JsonObject body) {
    List<String> ids = AssignmentChanges.ids(body);
    if (ids == null) {
      reload();
    } else {
      onDevices.forEach(l -> l.accept(ids));
    }
  }

  /** {@code action} runs with the devices whose own assignments changed, on this node or another. */
  public void onDevicesChanged(Consumer<List<String>> action) {
    onDevices.add(action);
  }

  /**
   * The strategy of a device: its own, else its user's, else its device group's; a disabled or
   * deleted strategy counts as none at its level. Any argument may be {@code null}.
   */
  public Resolved resolve(String deviceStrategy, String userGuid, String deviceGroupGuid) {
    Snapshot s = snapshot;
    Resolved r = find(s, deviceStrategy);
    if (r == null && userGuid != null) {
      r = find(s, s.users().get(userGuid));
    }
    if (r == null && deviceGroupGuid != null) {
      r = find(s, s.groups().get(deviceGroupGuid));
    }
    return r == null ? Resolved.NONE : r;
  }

  private static Resolved find(Snapshot s, String guid) {
    return guid == null ? null : s.strategies().get(guid);
  }

  /**
   * Reads everything again; requests that come while a read runs share one more read after it,
   * so a burst of announcements costs two reads.
   */
  Future<Void> reload() {
    return reads.request();
  }

  private Future<Void> read() {
    Future<Map<String, Resolved>> strategies = db.list(
        "select guid, options, cleared, modified_at from strategies where enabled = 1",
        r -> Map.entry(r.getString("guid"), new Resolved(Database.number(r, "modified_at"),
            answer(r.getString("options"), r.getString("cleared")))))
        .map(StrategyBook::toMap);
    Future<Map<String, String>> users = db.list("select guid, strategy_guid from users where strategy_guid is not null",
        r -> Map.entry(r.getString("guid"), r.getString("strategy_guid"))).map(StrategyBook::toMap);
    Future<Map<String, String>> groups = db.list(
        "select guid, strategy_guid from device_groups where strategy_guid is not null",
        r -> Map.entry(r.getString("guid"), r.getString("strategy_guid"))).map(StrategyBook::toMap);
    return Future.all(strategies, users, groups).map(all -> {
      snapshot = new Snapshot(strategies.result(), users.result(), groups.result());
      return null;
    });
  }

  private static <V> Map<String, V> toMap(List<Map.Entry<String, V>> entries) {
    Map<String, V> m = new HashMap<>(entries.size() * 2);
    entries.forEach(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  /**
   * What the client reads ({@code StrategyOptions} in rustdesk/rustdesk: src/hbbs_http/sync.rs):
   * every option to set, and each option the strategy dropped with an empty value, which the
   * client removes (or, for an option with a built-in default, stores empty).
   */
  static JsonObject answer(String options, String cleared) {
    JsonObject config = new JsonObject();
    for (Object key : new JsonArray(cleared)) {
      config.put((String) key, "");
    }
    new JsonObject(options).forEach(e -> config.put(e.getKey(), e.getValue()));
    return new JsonObject().put("config_options", config);
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
    if (accounts != null) {
      accounts.unregister();
    }
  }
}
