package dev.vertdesk.audit;

import dev.vertdesk.config.AuditConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit records of an API node: what devices post, the server's own sessions, the console
 * log, the listings, and the hourly clean-up of records older than {@code audit.retentionDays}
 * (run by every API node; deleting what another node deleted already is harmless).
 */
public final class AuditService {

  private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);
  static final long CLEAN_UP_MILLIS = TimeUnit.HOURS.toMillis(1);
  static final long FIRST_CLEAN_UP_MILLIS = TimeUnit.MINUTES.toMillis(1);
  /** Rows per delete statement, so that a first clean-up of a large backlog never holds SQLite long. */
  static final int DELETE_CHUNK = 5000;
  /**
   * The alarm type of a connection the access rules refused: the server's own, above the types
   * clients post (rustdesk/rustdesk: src/server/connection.rs, {@code AlarmAuditType}).
   */
  public static final int ACCESS_REFUSED_ALARM = 100;
  /** Table and key column of everything the clean-up ages out. */
  private static final List<String[]> AGED = List.of(new String[] {"audit_conn", "guid"},
      new String[] {"audit_server_sessions", "session_key"}, new String[] {"audit_file", "guid"},
      new String[] {"audit_alarm", "guid"}, new String[] {"audit_console", "guid"},
      new String[] {"login_log", "guid"});

  private final Vertx vertx;
  private final Database db;
  private final AuditConfig config;
  private final ServerSessions sessions;
  private final AuditRecords records;
  private final AuditListings listings;
  private final ConsoleLog console;
  private final RepeatedLog problems = new RepeatedLog(LOG, 60_000);
  private MessageConsumer<JsonObject> refusals;
  private long timer = -1;

  public AuditService(Vertx vertx, AuditConfig config, Database db, EventPublisher events) {
    this.vertx = vertx;
    this.db = db;
    this.config = config;
    this.sessions = new ServerSessions(vertx, db, events, TimeUnit.SECONDS.toMillis(config.linkWindowSeconds()));
    this.records = new AuditRecords(db, events, sessions);
    this.listings = new AuditListings(db);
    this.console = new ConsoleLog(db, events);
  }

  /** Listens to the server's events and schedules the clean-up, on the caller's context. */
  public Future<Void> start() {
    // a minute in, then hourly: a node restarted more often than hourly still cleans up
    timer = vertx.setPeriodic(FIRST_CLEAN_UP_MILLIS, CLEAN_UP_MILLIS, t -> cleanUp(System.currentTimeMillis()));
    refusals = vertx.eventBus().consumer(Addresses.ACCESS_REFUSED, m -> recordRefusal(m.body()));
    return Future.all(sessions.start(), refusals.completion()).mapEmpty();
  }

  /**
   * A connection the access rules refused, as an alarm of the device asked for. Every API node
   * hears the event; the nonce made of where and when it was published stores it once.
   */
  private void recordRefusal(JsonObject e) {
    String id = e.getString("id", "");
    String nonce = "access-refused/" + e.getString("node", "") + "/" + e.getValue("ts") + "/" + id + "/"
        + e.getString("from", "");
    JsonObject info = new JsonObject().put("ip", e.getString("from", "")).put("user", e.getString("user", ""))
        .put("reason", e.getString("reason", ""));
    records.alarm(new AuditRecords.AlarmPost(id, "", ACCESS_REFUSED_ALARM, info.encode(), 0, nonce, ""))
        .onFailure(err -> problems.warn("access-alarm", "refused access not recorded as an alarm: {}", err.toString()));
  }

  /** Stops listening; what is queued is written (before the database closes). */
  public Future<Void> stop() {
    if (refusals != null) {
      refusals.unregister();
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return sessions.stop();
  }

  public AuditRecords records() {
    return records;
  }

  public AuditListings listings() {
    return listings;
  }

  public ConsoleLog console() {
    return console;
  }

  public ServerSessions sessions() {
    return sessions;
  }

  /** Deletes the records older than the retention and the nonces older than an hour; rows deleted. */
  public Future<Long> cleanUp(long now) {
    long cutoff = now - TimeUnit.DAYS.toMillis(config.retentionDays());
    Future<Long> f = deleteOlder("audit_nonces", "nonce", now - AuditRecords.NONCE_MILLIS, 0);
    for (String[] t : AGED) {
      f = f.compose(n -> deleteOlder(t[0], t[1], cutoff, n));
    }
    return f.onSuccess(n -> {
      if (n > 0) {
        LOG.info("audit: {} records older than {} days deleted", n, config.retentionDays());
      }
    }).onFailure(e -> problems.warn("audit-clean-up", "audit: clean-up failed: {}", e.toString()));
  }

  private Future<Long> deleteOlder(String table, String key, long cutoff, long sofar) {
    return db.update("delete from " + table + " where " + key + " in (select " + key + " from " + table
        + " where created_at < ? limit " + DELETE_CHUNK + ")", cutoff)
        .compose(n -> n < DELETE_CHUNK ? Future.succeededFuture(sofar + n) : deleteOlder(table, key, cutoff, sofar + n));
  }
}
