package dev.vertdesk.audit;

import dev.vertdesk.db.Database;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own view of connections, joined to the records devices post: punches and relay
 * sessions from the rendezvous and relay events ({@code punch.requested}, {@code relay.brokered},
 * {@code relay.session.opened/closed}, which every API node of a cluster hears), queued in memory
 * (bounded), written in batches, one transaction at a time, never on the caller's path. Writes are
 * keyed (a relay by its uuid, a punch by its node, time and ends), so that several API nodes
 * writing the same event store it once.
 *
 * <p>A device's connection record and a session the server saw for that device are linked when
 * they are at most the link window apart (a relay wins over a punch: clients punch first and
 * fall back to a relay). A session nobody posted a record for within the window becomes a
 * connection record of its own.
 */
public final class ServerSessions {

  private static final Logger LOG = LoggerFactory.getLogger(ServerSessions.class);
  /** Events held while the database is slow; beyond that they are dropped and counted. */
  static final int MAX_QUEUED = 20_000;
  /** Events per write transaction. */
  static final int BATCH = 500;
  static final long FLUSH_MILLIS = 500;
  /** How much earlier than the server's event a device's record may be stamped (clocks of two nodes). */
  static final long SKEW_MILLIS = 5_000;

  private final Vertx vertx;
  private final Database db;
  private final EventPublisher events;
  private final long windowMillis;
  private final ArrayDeque<JsonObject> queue = new ArrayDeque<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private final RepeatedLog problems = new RepeatedLog(LOG, 60_000);
  private long timer = -1;
  private boolean writing;
  private long dropped;

  ServerSessions(Vertx vertx, Database db, EventPublisher events, long windowMillis) {
    this.vertx = vertx;
    this.db = db;
    this.events = events;
    this.windowMillis = windowMillis;
  }

  /** Listens to the events, on the caller's context. */
  Future<Void> start() {
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : List.of(Addresses.PUNCH_REQUESTED, Addresses.RELAY_BROKERED,
        Addresses.RELAY_SESSION_OPENED, Addresses.RELAY_SESSION_CLOSED)) {
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(address, m -> offer(m.body()));
      consumers.add(c);
      registered.add(c.completion());
    }
    timer = vertx.setPeriodic(FLUSH_MILLIS, t -> tick());
    return Future.all(registered).mapEmpty();
  }

  /** Stops listening and writes what is queued. */
  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    List<Future<Void>> gone = new ArrayList<>();
    consumers.forEach(c -> gone.add(c.unregister()));
    consumers.clear();
    return Future.join(gone).transform(x -> drain());
  }

  private Future<Void> drain() {
    if (queue.isEmpty()) {
      return Future.succeededFuture();
    }
    return write(take()).transform(x -> drain());
  }

  void offer(JsonObject event) {
    if (event == null) {
      return;
    }
    if (queue.size() >= MAX_QUEUED) {
      dropped++;
      problems.warn("audit-dropped", "audit: {} server events dropped so far, the database is not keeping up",
          dropped);
      return;
    }
    queue.add(event);
  }

  /** Events waiting to be written (for tests and metrics). */
  public int queued() {
    return queue.size();
  }

  private void tick() {
    if (writing) {
      return;
    }
    writing = true;
    Future<Void> written = queue.isEmpty() ? Future.succeededFuture() : write(take());
    written.transform(x -> settle(System.currentTimeMillis()))
        .onComplete(x -> writing = false);
  }

  private List<JsonObject> take() {
    List<JsonObject> batch = new ArrayList<>(Math.min(BATCH, queue.size()));
    while (batch.size() < BATCH && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    return batch;
  }

  private Future<Void> write(List<JsonObject> batch) {
    return db.inTransaction(tx -> {
      Future<Void> f = Future.succeededFuture();
      for (JsonObject e : batch) {
        f = f.compose(v -> apply(tx, e));
      }
      return f;
    }).onFailure(e -> problems.warn("audit-write", "audit: {} server events not written: {}", batch.size(),
        e.toString()));
  }

  private Future<Void> apply(Database.Tx tx, JsonObject e) {
    long ts = e.getValue("ts") instanceof Number n ? n.longValue() : System.currentTimeMillis();
    String type = e.getValue("type") instanceof String s ? s : "";
    switch (type) {
      case "punch.requested" -> {
        String outcome = str(e, "outcome");
        if (!outcome.equals("punch") && !outcome.equals("local")) {
          return Future.succeededFuture(); // refused: no connection followed
        }
        String key = "punch:" + str(e, "node") + ":" + ts + ":" + str(e, "from") + ":" + str(e, "id");
        return tx.update("insert into audit_server_sessions (session_key, created_at, kind, device_id, from_ip)"
            + " values (?, ?, ?, ?, ?) on conflict (session_key) do nothing", key, ts, outcome, str(e, "id"),
            str(e, "from")).compose(n -> n > 0 ? linkSession(tx, key, str(e, "id"), ts, false)
            : Future.succeededFuture());
      }
      case "relay.brokered" -> {
        String key = relayKey(e);
        String id = str(e, "id");
        return tx.update("insert into audit_server_sessions (session_key, created_at, kind, device_id, from_ip,"
            + " relay_server, relay_uuid) values (?, ?, 'relay', ?, ?, ?, ?) on conflict (session_key) do nothing",
            key, ts, id, str(e, "from"), str(e, "relay"), str(e, "uuid"))
            // the session's own events may have come first (from another node)
            .compose(n -> n > 0 ? Future.succeededFuture(1) : tx.update("update audit_server_sessions set"
                + " device_id = ?, from_ip = ?, relay_server = ?, created_at = ? where session_key = ?"
                + " and device_id = ''", id, str(e, "from"), str(e, "relay"), ts, key))
            .compose(n -> n > 0 && !id.isEmpty() ? linkSession(tx, key, id, ts, true) : Future.succeededFuture());
      }
      case "relay.session.opened" -> {
        String key = relayKey(e);
        return bare(tx, key, e, ts).compose(v -> tx.update("update audit_server_sessions set opened_at = ?,"
            + " first_end = ?, second_end = ? where session_key = ?", ts, str(e, "first"), str(e, "second"), key))
            .mapEmpty();
      }
      case "relay.session.closed" -> {
        String key = relayKey(e);
        return bare(tx, key, e, ts).compose(v -> tx.update("update audit_server_sessions set closed_at = ?,"
            + " first_end = ?, second_end = ?, bytes_first_to_second = ?, bytes_second_to_first = ?,"
            + " duration_ms = ?, close_reason = ? where session_key = ?", ts, str(e, "first"), str(e, "second"),
            num(e, "bytesFirstToSecond"), num(e, "bytesSecondToFirst"), num(e, "durationMillis"),
            str(e, "reason"), key)).mapEmpty();
      }
      default -> {
        return Future.succeededFuture();
      }
    }
  }

  /** The row of a relay session whose brokering was not seen (yet). */
  private static Future<Void> bare(Database.Tx tx, String key, JsonObject e, long ts) {
    return tx.update("insert into audit_server_sessions (session_key, created_at, kind, relay_uuid)"
        + " values (?, ?, 'relay', ?) on conflict (session_key) do nothing", key, ts, str(e, "uuid")).mapEmpty();
  }

  private static String relayKey(JsonObject e) {
    return "relay:" + str(e, "uuid");
  }

  /**
   * A session just seen: linked to the device's connection record posted since (a relay also
   * replaces the punch a record was linked to).
   */
  private Future<Void> linkSession(Database.Tx tx, String key, String deviceId, long ts, boolean relay) {
    return tx.first("select guid from audit_conn where device_id = ? and created_at >= ? and created_at <= ?"
            + " and from_device = 1 and (server_key is null" + (relay ? " or server_key like 'punch:%'" : "")
            + ") order by created_at limit 1", r -> r.getString("guid"), deviceId, ts - SKEW_MILLIS,
        ts + windowMillis)
        .compose(guid -> guid == null ? Future.succeededFuture() : claim(tx, key, guid));
  }

  /**
   * A record just posted, not linked yet: linked to the session the server saw for this device
   * shortly before, a relay before a punch.
   */
  Future<Void> linkRecord(Database.Tx tx, String guid, String deviceId, long now) {
    return tx.first("select server_key from audit_conn where guid = ?", r -> r.getString("server_key"), guid)
        .compose(linked -> linked != null ? Future.succeededFuture()
            : tx.first("select session_key from audit_server_sessions where device_id = ? and settled = 0"
                + " and created_at >= ? and created_at <= ? order by case when kind = 'relay' then 0 else 1 end,"
                + " created_at desc limit 1", r -> r.getString("session_key"), deviceId, now - windowMillis,
                now + SKEW_MILLIS)
            .compose(key -> key == null ? Future.succeededFuture() : claim(tx, key, guid)));
  }

  /** Links a session to a record once: the session's row is claimed first, so two nodes never both do. */
  private static Future<Void> claim(Database.Tx tx, String key, String guid) {
    return tx.update("update audit_server_sessions set settled = 1 where session_key = ? and settled = 0", key)
        .compose(n -> n == 0 ? Future.succeededFuture()
            : tx.update("update audit_conn set server_key = ? where guid = ?", key, guid).mapEmpty());
  }

  /**
   * A connection record the server saw, made before any device posted it: the guid of the latest
   * record made from a session of this device within the window, not yet taken by a device's post.
   */
  Future<String> serverOnlyRow(Database.Tx tx, String deviceId, long now) {
    return tx.first("select guid from audit_conn where device_id = ? and session_id is null and from_device = 0"
        + " and created_at >= ? and created_at <= ? order by created_at desc limit 1", r -> r.getString("guid"),
        deviceId, now - windowMillis, now + SKEW_MILLIS);
  }

  /**
   * Sessions older than the window that no record claimed: a punch followed by a relay between the
   * same ends is the same connection attempt (settled quietly); any other becomes a record.
   */
  Future<Void> settle(long now) {
    List<String> made = new ArrayList<>();
    List<String> devices = new ArrayList<>();
    return db.inTransaction(tx -> tx.list("select session_key, created_at, kind, device_id, from_ip"
            + " from audit_server_sessions where settled = 0 and created_at < ? order by created_at limit ?",
        r -> new JsonObject().put("key", r.getString("session_key")).put("ts", Database.number(r, "created_at"))
            .put("kind", r.getString("kind")).put("id", r.getString("device_id")).put("ip", r.getString("from_ip")),
        now - windowMillis, BATCH).compose(rows -> {
          Future<Void> f = Future.succeededFuture();
          for (JsonObject s : rows) {
            f = f.compose(v -> settleOne(tx, s, now, made, devices));
          }
          return f;
        })).onSuccess(v -> {
          for (int i = 0; i < made.size(); i++) {
            events.auditRecorded("server", made.get(i), devices.get(i));
          }
        }).onFailure(e -> problems.warn("audit-settle", "audit: server sessions not settled: {}", e.toString()));
  }

  private Future<Void> settleOne(Database.Tx tx, JsonObject s, long now, List<String> made, List<String> devices) {
    String key = s.getString("key");
    long ts = s.getLong("ts");
    Future<Boolean> superseded = "relay".equals(s.getString("kind")) ? Future.succeededFuture(false)
        : tx.first("select 1 as found from audit_server_sessions where kind = 'relay' and device_id = ?"
            + " and from_ip = ? and created_at >= ? and created_at <= ? limit 1", r -> true, s.getString("id"),
            s.getString("ip"), ts, ts + windowMillis).map(found -> found != null);
    return superseded.compose(relayed -> tx.update("update audit_server_sessions set settled = 1"
        + " where session_key = ? and settled = 0", key).compose(n -> {
          if (n == 0 || relayed) {
            return Future.succeededFuture();
          }
          String guid = UUID.randomUUID().toString();
          made.add(guid);
          devices.add(s.getString("id"));
          return tx.update("insert into audit_conn (guid, created_at, updated_at, device_id, conn_id, ip, server_key)"
              + " values (?, ?, ?, ?, -1, ?, ?)", guid, ts, now, s.getString("id"), s.getString("ip"), key).mapEmpty();
        }));
  }

  private static String str(JsonObject e, String key) {
    Object v = e.getValue(key);
    if (!(v instanceof String s)) {
      return "";
    }
    return s.length() <= 256 ? s : s.substring(0, 256);
  }

  private static long num(JsonObject e, String key) {
    return e.getValue(key) instanceof Number n ? n.longValue() : 0;
  }
}
