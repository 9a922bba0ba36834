package dev.vertdesk.devices;

import dev.vertdesk.config.DevicesConfig;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.store.PeerRecords;
import dev.vertdesk.store.StoredPeer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeats of {@code POST /api/heartbeat}, the API's hot path (a million devices at one
 * every 15 s is 67 000 requests/s across a cluster). A device is read from the database once,
 * when this node first hears from it; from then on a heartbeat touches memory only. Last-seen
 * times and connection lists are written behind: every {@code devices.writeBehindSeconds} the
 * ones that changed go to the database, {@code devices.writeBatch} rows per transaction, and
 * devices silent for {@link #IDLE_EVICT_MILLIS} are forgotten, so memory follows the devices
 * that are alive (at most {@code devices.maxTracked}). Node-scoped; safe from any event loop.
 */
public final class HeartbeatTracker {

  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatTracker.class);
  /** A device silent this long (and written) is dropped from memory; read again when it returns. */
  static final long IDLE_EVICT_MILLIS = TimeUnit.MINUTES.toMillis(10);
  /**
   * While a device's system information is missing or stale, its row is read again (another node
   * may have stored an upload) and the upload asked for at most this often.
   */
  static final long RECHECK_MILLIS = TimeUnit.MINUTES.toMillis(1);
  /**
   * Database reads for devices not in memory, at once. Beyond this a heartbeat is answered
   * without asking anything and the device is read on a later one: a flood of unknown IDs costs
   * the database no more than this.
   */
  static final int MAX_LOADS = 64;
  private static final int[] NO_CONNS = new int[0];

  /** One device this node heard from. */
  static final class Tracked {
    final String id;
    final byte[] uuid;
    volatile long lastSeen;
    volatile int[] conns = NO_CONNS;
    volatile boolean inventoried;
    volatile long sysinfoAt;
    /** When the row was last read or the upload last asked for. */
    volatile long checkedAt;
    /** What the row assigns the device; {@code null} until the row is read here. */
    volatile Assignments assignments;
    /** What the database has; touched by the write-behind only. */
    long writtenSeen;
    int[] writtenConns;

    Tracked(String id, byte[] uuid) {
      this.id = id;
      this.uuid = uuid;
    }

    void inventory(DeviceInventory.Inventoried row, long now) {
      inventoried = row != null;
      sysinfoAt = row == null ? 0 : row.sysinfoAt();
      assignments = Assignments.of(row);
      checkedAt = now;
    }

    boolean changed() {
      return inventoried && (lastSeen != writtenSeen || !Arrays.equals(conns, writtenConns));
    }
  }

  /** Heartbeat state of this node; a device silent for a while is not here. */
  private final ConcurrentHashMap<String, Tracked> tracked = new ConcurrentHashMap<>();
  private final AtomicInteger loads = new AtomicInteger();
  private final AtomicBoolean writing = new AtomicBoolean();
  private final Vertx vertx;
  private final DevicesConfig config;
  private final DeviceInventory inventory;
  private final PeerRecords peers;
  private final LongSupplier clock;
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private long timer = -1;

  HeartbeatTracker(Vertx vertx, DevicesConfig config, DeviceInventory inventory, PeerRecords peers,
                   LongSupplier clock) {
    this.vertx = vertx;
    this.config = config;
    this.inventory = inventory;
    this.peers = peers;
    this.clock = clock;
  }

  /** Starts the write-behind timer (on the caller's context). */
  void start() {
    timer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(config.writeBehindSeconds()), t -> writeBehind());
  }

  /** Stops the timer and writes whatever changed, so that a restart loses nothing. */
  Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return write(false);
  }

  /**
   * A heartbeat of device {@code id} with the {@code uuid} bytes it sent. A device is known when
   * the rendezvous server registered that ID with that uuid; anything else is answered with an
   * empty object, which the client ignores (its sysinfo upload, answered {@code ID_NOT_FOUND},
   * is what retries until the device is registered).
   */
  public Future<HeartbeatAnswer> heartbeat(String id, byte[] uuid, int[] conns) {
    long now = clock.getAsLong();
    Tracked t = tracked.get(id);
    if (t == null) {
      return load(id, uuid, conns, now);
    }
    if (!Arrays.equals(t.uuid, uuid)) {
      return Future.succeededFuture(HeartbeatAnswer.none());
    }
    seen(t, conns, now);
    return answer(t, now, false);
  }

  private static void seen(Tracked t, int[] conns, long now) {
    t.lastSeen = now;
    t.conns = conns.length == 0 ? NO_CONNS : conns;
  }

  private boolean current(Tracked t, long now) {
    return t.inventoried && now - t.sysinfoAt < TimeUnit.HOURS.toMillis(config.sysinfoMaxAgeHours());
  }

  /**
   * Asks for sysinfo when this node's copy is missing or stale and still so in the database; reads
   * the row when its assignments are not known here yet. The answer names the device it is for.
   */
  private Future<HeartbeatAnswer> answer(Tracked t, long now, boolean justRead) {
    boolean current = current(t, now);
    if (current && t.assignments != null) {
      return Future.succeededFuture(HeartbeatAnswer.none().forDevice(t));
    }
    if (justRead) {
      t.checkedAt = now;
      return Future.succeededFuture(HeartbeatAnswer.none().sysinfo().forDevice(t));
    }
    if (current) {
      return assignments(t);
    }
    if (now - t.checkedAt < RECHECK_MILLIS || !startLoad()) {
      return Future.succeededFuture(HeartbeatAnswer.none().forDevice(t));
    }
    t.checkedAt = now;
    return inventory.find(t.id).transform(ar -> {
      loads.decrementAndGet();
      if (ar.failed()) {
        warnings.warn("device-read", "device inventory read failed: {}", ar.cause().toString());
        return Future.succeededFuture(HeartbeatAnswer.none().forDevice(t));
      }
      t.inventory(ar.result(), now);
      return answer(t, now, true);
    });
  }

  /** Reads what the row assigns a device whose upload this node learnt of without reading the row. */
  private Future<HeartbeatAnswer> assignments(Tracked t) {
    if (!startLoad()) {
      return Future.succeededFuture(HeartbeatAnswer.none().forDevice(t));
    }
    return inventory.find(t.id).transform(ar -> {
      loads.decrementAndGet();
      if (ar.failed()) {
        warnings.warn("device-read", "device inventory read failed: {}", ar.cause().toString());
      } else {
        t.assignments = Assignments.of(ar.result());
      }
      return Future.succeededFuture(HeartbeatAnswer.none().forDevice(t));
    });
  }

  private boolean startLoad() {
    if (loads.incrementAndGet() > MAX_LOADS) {
      loads.decrementAndGet();
      return false;
    }
    return true;
  }

  private Future<HeartbeatAnswer> load(String id, byte[] uuid, int[] conns, long now) {
    if (!startLoad()) {
      return Future.succeededFuture(HeartbeatAnswer.none());
    }
    Future<StoredPeer> peer = peers.findById(id);
    Future<DeviceInventory.Inventoried> row = inventory.find(id);
    return Future.all(peer, row).transform(ar -> {
      loads.decrementAndGet();
      if (ar.failed()) {
        warnings.warn("device-load", "device {} not loaded: {}", id, ar.cause().toString());
        return Future.succeededFuture(HeartbeatAnswer.none());
      }
      StoredPeer p = peer.result();
      if (p == null || p.uuid() == null || !Arrays.equals(p.uuid(), uuid)) {
        return Future.succeededFuture(HeartbeatAnswer.none());
      }
      Tracked fresh = new Tracked(id, uuid);
      fresh.writtenSeen = row.result() == null ? 0 : row.result().lastSeenAt();
      // another heartbeat of the device may have loaded it meanwhile: that copy is kept
      Tracked t = track(fresh);
      t.inventory(row.result(), now);
      seen(t, conns, now);
      return answer(t, now, true);
    });
  }

  /** Keeps {@code t} unless memory is full; the device is served either way. */
  private Tracked track(Tracked t) {
    if (tracked.size() >= config.maxTracked()) {
      warnings.warn("devices-full", "{} devices in memory (devices.maxTracked): heartbeats of further devices "
          + "are answered from the database", tracked.size());
      return t;
    }
    Tracked earlier = tracked.putIfAbsent(t.id, t);
    return earlier != null && Arrays.equals(earlier.uuid, t.uuid) ? earlier : t;
  }

  /**
   * The device uploaded its system information (now), checked against the peer table: this node
   * need not ask for it. A copy held under another uuid (the ID changed hands) is replaced.
   */
  void sysinfoStored(String id, byte[] uuid, long now) {
    Tracked t = tracked.get(id);
    if (t != null && !Arrays.equals(t.uuid, uuid)) {
      tracked.remove(id, t);
      t = null;
    }
    if (t == null) {
      t = track(new Tracked(id, uuid));
    }
    t.inventoried = true;
    t.sysinfoAt = now;
    t.checkedAt = now;
    t.lastSeen = now;
    t.writtenSeen = now; // the upload wrote last_seen_at
  }

  /**
   * Forgets a device (deleted by an admin, or assigned something else): its next heartbeat reads
   * it again.
   */
  void forget(String id) {
    tracked.remove(id);
  }

  /** When this node last heard from {@code id}; 0 if it did not (recently). */
  long lastSeen(String id) {
    Tracked t = tracked.get(id);
    return t == null ? 0 : t.lastSeen;
  }

  /** The connections of {@code id}'s last heartbeat here, or {@code null} if none came. */
  int[] conns(String id) {
    Tracked t = tracked.get(id);
    return t == null ? null : t.conns;
  }

  /** The encoding of a uuid in the API, and of {@code devices.uuid}: standard base64, padded. */
  static String uuidText(byte[] uuid) {
    return Base64.getEncoder().encodeToString(uuid);
  }

  // ------------------------------------------------------------------ write-behind

  private void writeBehind() {
    if (writing.compareAndSet(false, true)) {
      write(true).onComplete(ar -> writing.set(false));
    }
  }

  /** Writes every change, a batch per transaction; {@code evict} also drops idle devices. */
  private Future<Void> write(boolean evict) {
    Iterator<Tracked> it = tracked.values().iterator();
    Promise<Void> done = Promise.promise();
    nextBatch(it, evict, clock.getAsLong(), done);
    return done.future();
  }

  private void nextBatch(Iterator<Tracked> it, boolean evict, long now, Promise<Void> done) {
    // walking a large map takes a while: off the event loop
    vertx.executeBlocking(() -> collect(it, evict, now), false).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      List<Pending> batch = ar.result();
      if (batch.isEmpty()) {
        done.complete();
        return;
      }
      List<DeviceInventory.Seen> rows = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        rows.add(new DeviceInventory.Seen(p.t.id, p.seen, connsText(p.conns)));
      }
      inventory.writeSeen(rows).onComplete(written -> {
        if (written.succeeded()) {
          for (Pending p : batch) {
            p.t.writtenSeen = p.seen;
            p.t.writtenConns = p.conns;
          }
        } else {
          // kept as changed: the next round writes them again
          warnings.warn("device-write", "last-seen times of {} devices not written: {}", rows.size(),
              written.cause().toString());
        }
        if (batch.size() < config.writeBatch()) {
          done.complete();
        } else {
          nextBatch(it, evict, now, done);
        }
      });
    });
  }

  /** A change to write, as it was when collected. */
  private record Pending(Tracked t, long seen, int[] conns) {
  }

  private List<Pending> collect(Iterator<Tracked> it, boolean evict, long now) {
    List<Pending> batch = new ArrayList<>();
    while (batch.size() < config.writeBatch() && it.hasNext()) {
      Tracked t = it.next();
      if (t.changed()) {
        batch.add(new Pending(t, t.lastSeen, t.conns));
      } else if (evict && now - t.lastSeen > IDLE_EVICT_MILLIS) {
        it.remove();
      }
    }
    return batch;
  }

  /** Connection ids as the JSON array the column holds; {@code ""} for none. */
  static String connsText(int[] conns) {
    if (conns.length == 0) {
      return "";
    }
    StringBuilder b = new StringBuilder(conns.length * 8).append('[');
    for (int i = 0; i < conns.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(conns[i]);
    }
    return b.append(']').toString();
  }
}
