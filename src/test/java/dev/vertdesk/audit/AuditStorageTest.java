package dev.vertdesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.AuditConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.Eventually;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The audit tables on SQLite and PostgreSQL: the retention clean-up, and a whole listing read in
 * bounded chunks, each asked for only once the one before was taken.
 */
class AuditStorageTest {

  static final long DAY = TimeUnit.DAYS.toMillis(1);

  @TempDir
  Path dir;
  private Vertx vertx;
  private Database db;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (db != null) {
      db.close().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private AuditService open(String engine, int retentionDays) throws Exception {
    PeerStores.Location where = engine.equals("sqlite") ? PeerStores.locate("db_v2.sqlite3", dir)
        : PeerStores.locate(EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema()), dir);
    db = Database.open(vertx, where).await(60, TimeUnit.SECONDS);
    return new AuditService(vertx, new AuditConfig(retentionDays, 120), db,
        new EventPublisher(vertx.eventBus(), "test"));
  }

  private long count(String table) throws Exception {
    return db.first("select count(*) as n from " + table, r -> Database.number(r, "n")).await(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void theCleanUpDeletesWhatIsOlderThanTheRetentionAndNoncesAfterAnHour(String engine) throws Exception {
    AuditService audit = open(engine, 30);
    long now = System.currentTimeMillis();
    List<Object[]> alarms = new ArrayList<>();
    for (int i = 0; i < 12_000; i++) {
      // a backlog larger than one delete: it goes in several statements
      alarms.add(new Object[] {"old-" + i, now - 31 * DAY - i, "1", 1, ""});
    }
    alarms.add(new Object[] {"recent", now - 29 * DAY, "1", 1, ""});
    db.inTransaction(tx -> tx.batch("insert into audit_alarm (guid, created_at, device_id, typ, info)"
        + " values (?, ?, ?, ?, ?)", alarms)).await(60, TimeUnit.SECONDS);
    for (String[] row : new String[][] {{"audit_conn", "insert into audit_conn (guid, created_at, updated_at,"
        + " device_id, conn_id) values (?, ?, 0, 'd', 1)"}, {"audit_file", "insert into audit_file (guid, created_at,"
        + " device_id, direction) values (?, ?, 'd', 0)"}, {"audit_console", "insert into audit_console (guid,"
        + " created_at, operator, via, typ, operation) values (?, ?, 'admin', 'session', 1, 'user.create')"},
        {"login_log", "insert into login_log (guid, created_at, user_name, ip, method, result) values (?, ?, 'a',"
        + " '127.0.0.1', 'password', 'success')"}}) {
      db.update(row[1], row[0] + "-old", now - 40 * DAY).await(10, TimeUnit.SECONDS);
      db.update(row[1], row[0] + "-new", now - DAY).await(10, TimeUnit.SECONDS);
    }
    db.update("insert into audit_server_sessions (session_key, created_at, kind) values ('relay:old', ?, 'relay')",
        now - 40 * DAY).await(10, TimeUnit.SECONDS);
    db.update("insert into audit_nonces (nonce, created_at) values ('stale', ?), ('fresh', ?)",
        now - 2 * AuditRecords.NONCE_MILLIS, now - 60_000).await(10, TimeUnit.SECONDS);

    long deleted = audit.cleanUp(now).await(60, TimeUnit.SECONDS);
    assertEquals(12_000 + 4 + 1 + 1, deleted);
    assertEquals(1, count("audit_alarm"));
    for (String table : new String[] {"audit_conn", "audit_file", "audit_console", "login_log"}) {
      assertEquals(1, count(table), table);
    }
    assertEquals(0, count("audit_server_sessions"));
    assertEquals(1, count("audit_nonces"), "the fresh nonce stays");
    assertEquals(0L, (long) audit.cleanUp(now).await(10, TimeUnit.SECONDS), "nothing more");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void aWholeListingIsReadInChunksOnlyAsFastAsTheyAreTaken(String engine) throws Exception {
    AuditService audit = open(engine, 365);
    int rows = 2 * AuditListings.CHUNK + 201;
    List<Object[]> alarms = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < rows; i++) {
      // many share a time: the chunks' bound is (time, guid)
      alarms.add(new Object[] {String.format("g-%05d", i), now - (i / 7), i % 3 == 0 ? "700000001" : "700000002", i % 5,
          "{}"});
    }
    db.inTransaction(tx -> tx.batch("insert into audit_alarm (guid, created_at, device_id, typ, info)"
        + " values (?, ?, ?, ?, ?)", alarms)).await(60, TimeUnit.SECONDS);

    AtomicBoolean taking = new AtomicBoolean();
    AtomicBoolean overlapped = new AtomicBoolean();
    AtomicInteger largest = new AtomicInteger();
    List<String> seen = new ArrayList<>();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    AuditQuery all = new AuditQuery(AuditKind.ALARM, 0, 0, Map.of());
    vertx.runOnContext(v -> audit.listings().each(all, items -> {
      if (!taking.compareAndSet(false, true)) {
        overlapped.set(true);
      }
      largest.accumulateAndGet(items.size(), Math::max);
      items.forEach(i -> seen.add(i.getString("guid")));
      Promise<Void> taken = Promise.promise();
      // the writer drains a little later: a reader that did not wait would overlap here
      vertx.setTimer(20, t -> {
        taking.set(false);
        taken.complete();
      });
      return taken.future();
    }).onComplete(ar -> {
      failed.set(ar.cause());
      done.set(true);
    }));
    Eventually.until(done::get, 30_000, "the listing read to its end");
    assertEquals(null, failed.get());
    assertFalse(overlapped.get(), "a chunk is read only after the one before was taken");
    assertTrue(largest.get() <= AuditListings.CHUNK, "at most one chunk held: " + largest.get());
    assertEquals(rows, seen.size());
    Set<String> distinct = new HashSet<>(seen);
    assertEquals(rows, distinct.size(), "no row twice, none lost");

    AuditQuery filtered = new AuditQuery(AuditKind.ALARM, 0, 0, Map.of("device", "700000001", "typ", "0"));
    JsonObject page = audit.listings().page(filtered.checked(), new dev.vertdesk.db.Page(1, 10))
        .await(10, TimeUnit.SECONDS);
    long expected = java.util.stream.IntStream.range(0, rows).filter(i -> i % 3 == 0 && i % 5 == 0).count();
    assertEquals(expected, page.getLong("total"));
    List<Long> times = new ArrayList<>();
    page.getJsonArray("data").forEach(o -> times.add(((JsonObject) o).getLong("created_at")));
    List<Long> sorted = new ArrayList<>(times);
    sorted.sort(java.util.Comparator.reverseOrder());
    assertEquals(sorted, times, "newest first");
  }

  @org.junit.jupiter.api.Test
  void chunksAlreadyTakenAreNotHeldWhileTheListingGoesOn() throws Exception {
    AuditService audit = open("sqlite", 365);
    int rows = 3 * AuditListings.CHUNK;
    List<Object[]> alarms = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      alarms.add(new Object[] {String.format("g-%05d", i), 1_000_000L + i, "1", 0, "{}"});
    }
    db.inTransaction(tx -> tx.batch("insert into audit_alarm (guid, created_at, device_id, typ, info)"
        + " values (?, ?, ?, ?, ?)", alarms)).await(60, TimeUnit.SECONDS);
    java.util.concurrent.atomic.AtomicReference<java.lang.ref.WeakReference<JsonObject>> first = new AtomicReference<>();
    AtomicBoolean released = new AtomicBoolean();
    AtomicInteger chunks = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    vertx.runOnContext(v -> audit.listings().each(new AuditQuery(AuditKind.ALARM, 0, 0, Map.of()), items -> {
      if (chunks.incrementAndGet() == 1) {
        first.set(new java.lang.ref.WeakReference<>(items.get(0)));
      } else if (chunks.get() == 3) {
        for (int i = 0; i < 5 && first.get().get() != null; i++) {
          System.gc();
        }
        released.set(first.get().get() == null);
      }
      return io.vertx.core.Future.succeededFuture();
    }).onComplete(ar -> done.set(true)));
    Eventually.until(done::get, 30_000, "the listing read to its end");
    assertEquals(3, chunks.get());
    assertTrue(released.get(), "the first chunk is garbage once taken");
  }
}
