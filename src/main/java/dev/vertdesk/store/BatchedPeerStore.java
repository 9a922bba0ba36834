package dev.vertdesk.store;

import dev.vertdesk.config.StoreOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-access path both stores share: reads and writes wait in bounded queues served fairly
 * across client networks ({@link FairQueue}), and go to the database in batches, one batch of each
 * kind at a time. A write batch is one transaction (group commit): every write of it completes
 * once the transaction is committed, never before, so an OK sent for it names a durable row.
 * Whatever arrives while a batch runs makes the next one, so a batch is as large as the load.
 *
 * <p>A request that finds no room fails with {@link StoreBusyException} ("retry later"); a request
 * still queued when the store closes fails with {@link StoreClosedException} and is not written,
 * while a batch already running is finished before the connections close.
 *
 * <p>Readiness ({@link #checkReady()}) fails while writes fail: a write batch that could not be
 * committed, or a small write tried every {@code db.probeIntervalSeconds} while no batch
 * succeeded, or a batch that has waited that long for the database.
 */
public abstract class BatchedPeerStore implements PeerStore {

  /**
   * Most rows one transaction or one read query carries: enough to spread a commit (an fsync)
   * over many rows, few enough that a batch is short, since a request from a network that just
   * arrived waits for the batch in progress and then goes in the next one.
   */
  static final int MAX_BATCH = 256;

  private static final Logger LOG = LoggerFactory.getLogger(BatchedPeerStore.class);

  private record Pending<I, R>(I item, PromiseInternal<R> promise) {
  }

  protected final Vertx vertx;
  /**
   * Where batches start and finish: a context of the store's own, so that a batch does not die
   * with the verticle whose request started it (Vert.x drops the blocking tasks of a context
   * whose deployment ends, and the database clients run on the context that calls them).
   */
  private final ContextInternal context;
  private final long probeIntervalMillis;
  private final WriteHealth health;
  private final Object lock = new Object();
  private final FairQueue<Pending<String, StoredPeer>> reads;
  private final FairQueue<Pending<PeerWrite, byte[]>> writes;
  // guarded by lock
  private boolean readInFlight;
  private boolean writeInFlight;
  private long writeStartedAt;
  private boolean probeInFlight;
  private long probeStartedAt;
  private boolean committedSinceTick;
  private boolean closed;
  private Promise<Void> idle;
  private Future<Void> closing;
  private boolean failing;
  private long probeTimer = -1;

  protected BatchedPeerStore(Vertx vertx, StoreOptions options) {
    this.vertx = vertx;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.reads = new FairQueue<>(options.queueSize(), options.queuePerSource());
    this.writes = new FairQueue<>(options.queueSize(), options.queuePerSource());
    this.probeIntervalMillis = TimeUnit.SECONDS.toMillis(options.probeIntervalSeconds());
    this.health = new WriteHealth(2 * probeIntervalMillis);
  }

  /** The rows of {@code ids} (distinct) in one query; an absent row is absent from the map. */
  protected abstract Future<Map<String, StoredPeer>> readBatch(List<String> ids);

  /**
   * The writes in one transaction: per write, in order, the row's guid, or the failure of that
   * write alone (a constraint: its row is not written, the others are). A failed future means
   * that nothing of the batch was committed.
   */
  protected abstract Future<List<AsyncResult<byte[]>>> writeBatch(List<PeerWrite> writes);

  /** A small committed write (nothing remains of it) proving that the database takes writes. */
  protected abstract Future<Void> probeWrite();

  /** Closes the connections; nothing is running any more. */
  protected abstract Future<Void> closeConnections();

  /** Starts the periodic write probe; called once the schema is in place. */
  protected final void startProbes() {
    synchronized (lock) {
      if (!closed && probeTimer < 0) {
        probeTimer = vertx.setPeriodic(probeIntervalMillis, t -> tick());
      }
    }
  }

  // ------------------------------------------------------------------ PeerStore

  @Override
  public Future<StoredPeer> findById(String id) {
    return findById(id, null);
  }

  @Override
  public Future<StoredPeer> findById(String id, String clientIp) {
    return submit(reads, ClientNetwork.of(clientIp), id, this::pumpReads);
  }

  @Override
  public Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip) {
    return write(new PeerWrite(null, id, uuid, pk, ip));
  }

  @Override
  public Future<Void> update(byte[] guid, String id, byte[] pk, String ip) {
    return write(new PeerWrite(guid, id, null, pk, ip)).mapEmpty();
  }

  private Future<byte[]> write(PeerWrite w) {
    return submit(writes, ClientNetwork.of(w.ip()), w, this::pumpWrites);
  }

  @Override
  public boolean acceptsWrite(String clientIp) {
    synchronized (lock) {
      return !closed && writes.admits(ClientNetwork.of(clientIp));
    }
  }

  @Override
  public Future<Void> checkReady() {
    long now = now();
    String problem = health.problem(now);
    synchronized (lock) {
      if (problem == null && writeInFlight && now - writeStartedAt > probeIntervalMillis) {
        problem = "a batch of writes has waited " + (now - writeStartedAt) / 1000 + " s for the database";
      }
    }
    return problem == null ? ping() : Future.failedFuture(new IllegalStateException("writes failing: " + problem));
  }

  /** Writes and reads waiting now, and the most that ever waited at once (for tests and metrics). */
  public QueueState queueState() {
    synchronized (lock) {
      return new QueueState(writes.size(), writes.highWater(), writes.sources(), reads.size(), reads.highWater());
    }
  }

  /** A snapshot of the queues. */
  public record QueueState(int writes, int writesHighWater, int writeSources, int reads, int readsHighWater) {
  }

  @Override
  public Future<Void> close() {
    List<Pending<?, ?>> dropped = new ArrayList<>();
    synchronized (lock) {
      if (closing != null) {
        return closing;
      }
      closed = true;
      dropped.addAll(reads.drain());
      dropped.addAll(writes.drain());
      idle = Promise.promise();
      if (probeTimer >= 0) {
        vertx.cancelTimer(probeTimer);
      }
      closing = idle.future().compose(v -> closeConnections());
    }
    // dropped, not written: the caller answers nothing (never an OK for a row not stored)
    dropped.forEach(p -> p.promise().tryFail(new StoreClosedException()));
    checkIdle();
    return closing;
  }

  // ------------------------------------------------------------------ queues and batches

  private <I, R> Future<R> submit(FairQueue<Pending<I, R>> queue, String source, I item, Runnable pump) {
    PromiseInternal<R> promise = ((VertxInternal) vertx).getOrCreateContext().promise();
    Pending<I, R> pending = new Pending<>(item, promise);
    List<Pending<I, R>> pushedOut = new ArrayList<>(1);
    boolean queued;
    boolean isClosed;
    synchronized (lock) {
      isClosed = closed;
      queued = !isClosed && queue.offer(source, pending, pushedOut::add);
    }
    if (!queued) {
      promise.tryFail(isClosed ? new StoreClosedException() : busy());
    }
    pushedOut.forEach(p -> p.promise().tryFail(busy()));
    pump.run();
    return promise.future();
  }

  private static StoreBusyException busy() {
    return new StoreBusyException("peer store busy: its queue is full");
  }

  /*
   * A batch is reserved at once but taken a moment later, on the store's context: requests that
   * arrive together (a burst of datagrams, the answers of the last batch starting their next
   * step) then make one batch, rather than the first of them one of its own.
   */

  private void pumpReads() {
    synchronized (lock) {
      if (readInFlight || reads.size() == 0) {
        return;
      }
      readInFlight = true;
    }
    context.runOnContext(v -> runReads());
  }

  private void runReads() {
    List<Pending<String, StoredPeer>> batch;
    synchronized (lock) {
      batch = reads.take(MAX_BATCH);
      readInFlight = !batch.isEmpty(); // empty: the store closed meanwhile
    }
    if (batch.isEmpty()) {
      checkIdle();
      return;
    }
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    batch.forEach(p -> ids.add(p.item()));
    attempt(() -> readBatch(List.copyOf(ids))).onComplete(ar -> {
      for (Pending<String, StoredPeer> p : batch) {
        if (ar.succeeded()) {
          p.promise().tryComplete(ar.result().get(p.item()));
        } else {
          p.promise().tryFail(ar.cause());
        }
      }
      synchronized (lock) {
        readInFlight = false;
      }
      checkIdle();
      pumpReads();
    });
  }

  private void pumpWrites() {
    synchronized (lock) {
      if (writeInFlight || writes.size() == 0) {
        return;
      }
      writeInFlight = true;
      writeStartedAt = now();
    }
    context.runOnContext(v -> runWrites());
  }

  private void runWrites() {
    List<Pending<PeerWrite, byte[]>> batch;
    synchronized (lock) {
      batch = writes.take(MAX_BATCH);
      writeInFlight = !batch.isEmpty();
    }
    if (batch.isEmpty()) {
      checkIdle();
      return;
    }
    List<PeerWrite> items = new ArrayList<>(batch.size());
    batch.forEach(p -> items.add(p.item()));
    attempt(() -> writeBatch(items)).onComplete(ar -> {
      if (ar.succeeded()) {
        List<AsyncResult<byte[]>> results = ar.result();
        for (int i = 0; i < batch.size(); i++) {
          AsyncResult<byte[]> r = results.get(i);
          if (r.succeeded()) {
            batch.get(i).promise().tryComplete(r.result());
          } else {
            batch.get(i).promise().tryFail(r.cause());
          }
        }
        succeeded();
      } else {
        batch.forEach(p -> p.promise().tryFail(ar.cause()));
        failed(ar.cause());
      }
      synchronized (lock) {
        writeInFlight = false;
        committedSinceTick |= ar.succeeded();
      }
      checkIdle();
      pumpWrites();
    });
  }

  private static <T> Future<T> attempt(java.util.function.Supplier<Future<T>> op) {
    try {
      return op.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Runs {@code op} on the store's context; a throw fails the result. */
  private <T> Future<T> onStoreContext(java.util.function.Supplier<Future<T>> op) {
    Promise<T> result = context.promise();
    context.runOnContext(v -> attempt(op).onComplete(result));
    return result.future();
  }

  /** Every probe interval: a write probe unless a batch was committed since, and a check for a stuck batch. */
  private void tick() {
    long now = now();
    boolean probe;
    String stuck = null;
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (writeInFlight && now - writeStartedAt > probeIntervalMillis) {
        stuck = "a batch of writes has waited " + (now - writeStartedAt) / 1000 + " s for the database";
      } else if (probeInFlight && now - probeStartedAt > probeIntervalMillis) {
        stuck = "the write probe has waited " + (now - probeStartedAt) / 1000 + " s for the database";
      }
      probe = !probeInFlight && !writeInFlight && !committedSinceTick;
      committedSinceTick = false;
      if (probe) {
        probeInFlight = true;
        probeStartedAt = now;
      }
    }
    if (stuck != null) {
      failed(new IllegalStateException(stuck));
    }
    if (probe) {
      onStoreContext(this::probeWrite).onComplete(ar -> {
        if (ar.succeeded()) {
          succeeded();
        } else {
          failed(ar.cause());
        }
        synchronized (lock) {
          probeInFlight = false;
        }
        checkIdle();
      });
    }
  }

  private void succeeded() {
    boolean recovered;
    synchronized (lock) {
      recovered = failing;
      failing = false;
    }
    if (recovered) {
      LOG.info("peer store takes writes again");
    }
  }

  /** Logged when writes start failing, not per failure: the callers count theirs. */
  private void failed(Throwable cause) {
    boolean started;
    synchronized (lock) {
      started = !failing;
      failing = true;
    }
    health.failed(now(), cause);
    if (started) {
      LOG.error("peer store writes fail, the node reports not ready: {}", cause.toString());
    }
  }

  private void checkIdle() {
    Promise<Void> done;
    synchronized (lock) {
      done = closed && !readInFlight && !writeInFlight && !probeInFlight ? idle : null;
    }
    if (done != null) {
      done.tryComplete();
    }
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }
}
