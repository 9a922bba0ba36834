package dev.vertdesk.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.DevicesConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.store.PeerRecords;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.store.StoredPeer;
import dev.vertdesk.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heartbeat memory on its own clock, over a real SQLite inventory: when it asks for sysinfo,
 * how it writes behind, what it forgets, and how little of the database a flood can reach.
 */
class HeartbeatTrackerTest {

  private static final long T0 = 1_800_000_000_000L;
  private static final Sysinfo INFO = new Sysinfo("host", "linux / Debian", "cpu", "1.00GB", "bob", "1.4.9", Map.of());

  @TempDir
  Path dir;

  private Vertx vertx;
  private Database db;
  private DeviceInventory inventory;
  private final Map<String, StoredPeer> peerRows = new ConcurrentHashMap<>();
  private final AtomicLong clock = new AtomicLong(T0);
  private HeartbeatTracker tracker;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    db = Database.open(vertx, PeerStores.locate("db_v2.sqlite3", dir)).await(20, TimeUnit.SECONDS);
    inventory = new DeviceInventory(db);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private HeartbeatTracker tracker(DevicesConfig config, PeerRecords peers) {
    tracker = new HeartbeatTracker(vertx, config, inventory, peers, clock::get);
    return tracker;
  }

  private HeartbeatTracker tracker() {
    return tracker(new DevicesConfig(3600, 1000, 1000, 24, 60, false), id -> Future.succeededFuture(peerRows.get(id)));
  }

  private static byte[] uid(String id) {
    return ("machine-" + id).getBytes(StandardCharsets.US_ASCII);
  }

  private void registered(String id) {
    peerRows.put(id, new StoredPeer(new byte[16], id, uid(id), new byte[32], "192.0.2.1"));
  }

  private boolean asksSysinfo(String id) throws Exception {
    return tracker.heartbeat(id, uid(id), new int[0]).await(10, TimeUnit.SECONDS).toJson().containsKey("sysinfo");
  }

  private void advance(long millis) {
    clock.addAndGet(millis);
  }

  @Test
  void staleSysinfoIsAskedForOncePerMinuteUntilUploaded() throws Exception {
    tracker();
    registered("400000001");
    inventory.saveSysinfo("400000001", "x", INFO, T0).await(10, TimeUnit.SECONDS);
    assertFalse(asksSysinfo("400000001"), "fresh");

    advance(TimeUnit.HOURS.toMillis(24) + 1);
    assertTrue(asksSysinfo("400000001"), "older than sysinfoMaxAgeHours, and so in the database");
    for (int i = 0; i < 19; i++) {
      advance(3000);
      assertFalse(asksSysinfo("400000001"), "asked once; the client keeps trying until it is stored");
    }
    advance(HeartbeatTracker.RECHECK_MILLIS);
    assertTrue(asksSysinfo("400000001"), "still stale a minute later: asked again");

    tracker.sysinfoStored("400000001", uid("400000001"), clock.get());
    advance(HeartbeatTracker.RECHECK_MILLIS * 5);
    assertFalse(asksSysinfo("400000001"));
  }

  @Test
  void anUploadStoredByAnotherNodeIsFoundWithoutAskingAgain() throws Exception {
    tracker();
    registered("400000002");
    assertTrue(asksSysinfo("400000002"), "no row yet");
    // the upload that answer caused reached another node, which stored it
    inventory.saveSysinfo("400000002", "x", INFO, clock.get()).await(10, TimeUnit.SECONDS);
    advance(3000);
    assertFalse(asksSysinfo("400000002"), "not asked again within the minute");
    advance(HeartbeatTracker.RECHECK_MILLIS);
    assertFalse(asksSysinfo("400000002"), "the row was read again instead");
  }

  @Test
  void changesAreWrittenInBatchesAndIdleDevicesForgotten() throws Exception {
    tracker(new DevicesConfig(1, 2, 1000, 24, 60, false), id -> Future.succeededFuture(peerRows.get(id)));
    List<String> ids = List.of("400000010", "400000011", "400000012", "400000013", "400000014");
    for (String id : ids) {
      registered(id);
      inventory.saveSysinfo(id, "x", INFO, T0).await(10, TimeUnit.SECONDS);
    }
    advance(5000);
    for (String id : ids) {
      tracker.heartbeat(id, uid(id), new int[] {1, 2}).await(10, TimeUnit.SECONDS);
    }
    tracker.start();
    long seen = clock.get();
    Eventually.until(() -> count("select count(*) as n from devices where last_seen_at = " + seen
        + " and conns = '[1,2]'") == 5, 10_000, "all five written, two per transaction");

    advance(HeartbeatTracker.IDLE_EVICT_MILLIS + 1);
    Eventually.until(() -> ids.stream().allMatch(id -> tracker.lastSeen(id) == 0), 10_000, "silent devices forgotten");
    assertFalse(asksSysinfo("400000010"), "read again when it comes back");
    assertEquals(clock.get(), tracker.lastSeen("400000010"));
  }

  private long count(String sql) {
    try {
      return db.first(sql, r -> Database.number(r, "n")).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void memoryHoldsAtMostMaxTrackedDevicesAndServesTheRestFromTheDatabase() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    tracker(new DevicesConfig(3600, 1000, 2, 24, 60, false), id -> {
      reads.incrementAndGet();
      return Future.succeededFuture(peerRows.get(id));
    });
    for (String id : List.of("400000020", "400000021", "400000022")) {
      registered(id);
      inventory.saveSysinfo(id, "x", INFO, T0).await(10, TimeUnit.SECONDS);
      assertFalse(asksSysinfo(id));
    }
    assertEquals(3, reads.get());
    assertFalse(asksSysinfo("400000020"));
    assertEquals(3, reads.get(), "a device in memory costs no read");
    assertFalse(asksSysinfo("400000022"));
    assertEquals(4, reads.get(), "the one beyond the limit is read each time");
  }

  @Test
  void aFloodOfUnknownDevicesReachesTheDatabaseAtMostMaxLoadsAtOnce() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    Promise<StoredPeer> stuck = Promise.promise();
    tracker(new DevicesConfig(3600, 1000, 1000, 24, 60, false), id -> {
      reads.incrementAndGet();
      // the store hangs until the test lets it go
      return stuck.future().isComplete() ? Future.succeededFuture(peerRows.get(id)) : stuck.future();
    });
    for (int i = 0; i < HeartbeatTracker.MAX_LOADS; i++) {
      tracker.heartbeat("5000000" + i, uid("x"), new int[0]);
    }
    assertEquals(HeartbeatTracker.MAX_LOADS, reads.get());
    for (int i = 0; i < 100; i++) {
      assertEquals(0, tracker.heartbeat("6000000" + i, uid("x"), new int[0]).await(1, TimeUnit.SECONDS)
          .toJson().size(), "answered at once, asking nothing");
    }
    assertEquals(HeartbeatTracker.MAX_LOADS, reads.get(), "no further reads while the first are pending");
    stuck.complete(null);
    registered("400000030");
    // the pending reads finish on the database's threads; then a known device is read again
    Eventually.until(() -> {
      try {
        return asksSysinfo("400000030");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, 10_000, "reads resume once the slots are free");
  }
}
