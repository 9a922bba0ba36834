package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.StoreOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batching path both stores share, against a database whose batches the test completes by
 * hand: group commit, bounded and fair queues, shutdown, and readiness.
 */
class BatchedPeerStoreTest {

  private final Vertx vertx = Vertx.vertx();

  /** A database that holds every batch until the test completes it. */
  static final class HeldStore extends BatchedPeerStore {
    final ConcurrentLinkedDeque<List<PeerWrite>> writeBatches = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedDeque<Promise<List<AsyncResult<byte[]>>>> heldWrites = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedDeque<List<String>> readBatches = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedDeque<Promise<Map<String, StoredPeer>>> heldReads = new ConcurrentLinkedDeque<>();
    volatile Throwable probeFailure;
    volatile int probes;
    volatile boolean connectionsClosed;

    HeldStore(Vertx vertx, StoreOptions options) {
      super(vertx, options);
    }

    @Override
    public Future<Long> count() {
      return Future.succeededFuture(0L);
    }

    @Override
    public Future<Void> init() {
      startProbes();
      return Future.succeededFuture();
    }

    @Override
    protected Future<Map<String, StoredPeer>> readBatch(List<String> ids) {
      readBatches.add(ids);
      Promise<Map<String, StoredPeer>> p = Promise.promise();
      heldReads.add(p);
      return p.future();
    }

    @Override
    protected Future<List<AsyncResult<byte[]>>> writeBatch(List<PeerWrite> writes) {
      writeBatches.add(writes);
      Promise<List<AsyncResult<byte[]>>> p = Promise.promise();
      heldWrites.add(p);
      return p.future();
    }

    @Override
    protected Future<Void> probeWrite() {
      probes++;
      Throwable f = probeFailure;
      return f == null ? Future.succeededFuture() : Future.failedFuture(f);
    }

    @Override
    public Future<Void> ping() {
      return Future.succeededFuture();
    }

    @Override
    protected Future<Void> closeConnections() {
      connectionsClosed = true;
      return Future.succeededFuture();
    }

    /** The oldest held batch, once it has reached the database (batches start on the store's context). */
    List<PeerWrite> nextBatch() throws InterruptedException {
      waitFor(() -> !heldWrites.isEmpty(), "a write batch");
      return writeBatches.peekFirst();
    }

    /** Commits the oldest held batch: every write gets a guid of its own. */
    void commitNext() throws InterruptedException {
      nextBatch();
      List<PeerWrite> batch = writeBatches.pollFirst();
      List<AsyncResult<byte[]>> results = new ArrayList<>();
      for (PeerWrite w : batch) {
        results.add(Future.succeededFuture(w.isInsert() ? w.id().getBytes() : w.guid()));
      }
      heldWrites.pollFirst().complete(results);
    }
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private HeldStore store(int queueSize, int perSource, int probeSeconds) {
    return new HeldStore(vertx, new StoreOptions(queueSize, perSource, probeSeconds, 0));
  }

  private static Future<byte[]> insert(PeerStore s, String id, String ip) {
    return s.insert(id, new byte[] {1}, new byte[] {2}, ip);
  }

  @Test
  void writesArriveInBatchesAndCompleteOnlyOnceTheirBatchIsCommitted() throws Exception {
    HeldStore s = store(100, 100, 3600);
    Future<byte[]> first = insert(s, "first1", "10.0.0.1");
    assertEquals(List.of("first1"), s.nextBatch().stream().map(PeerWrite::id).toList(), "an idle store writes at once");
    Future<byte[]> second = insert(s, "second", "10.0.0.2");
    Future<Void> third = s.update(new byte[] {9}, "third1", new byte[] {3}, "10.0.1.3");
    assertEquals(1, s.writeBatches.size(), "one batch at a time");
    assertFalse(first.isComplete() || second.isComplete() || third.isComplete(), "nothing completes before its commit");

    s.commitNext();
    assertArrayEquals("first1".getBytes(), await(first));
    assertEquals(List.of("second", "third1"), s.nextBatch().stream().map(PeerWrite::id).toList(),
        "what arrived meanwhile is the next batch: one transaction");
    assertFalse(second.isComplete() || third.isComplete());
    s.commitNext();
    assertArrayEquals("second".getBytes(), await(second));
    await(third);
  }

  @Test
  void aRowThatFailsAloneFailsOnlyItsWriteAndNotReadiness() throws Exception {
    HeldStore s = store(100, 100, 3600);
    Future<byte[]> held = insert(s, "held01", "10.0.0.1");
    s.nextBatch();
    Future<byte[]> good = insert(s, "good01", "10.0.0.2");
    Future<byte[]> dup = insert(s, "dup001", "10.0.0.3");
    s.commitNext();
    await(held);
    s.nextBatch();
    s.writeBatches.pollFirst();
    s.heldWrites.pollFirst().complete(List.of(Future.succeededFuture(new byte[] {1}),
        Future.failedFuture(new IllegalStateException("UNIQUE constraint failed: peer.id"))));
    await(good);
    assertTrue(failure(dup).getMessage().contains("UNIQUE"));
    await(s.checkReady());
  }

  @Test
  void aFullQueueAnswersBusyAndTheFloodingNetworkGivesWay() throws Exception {
    HeldStore s = store(4, 3, 3600);
    insert(s, "inflight", "10.0.0.1"); // taken into a batch, held
    s.nextBatch();
    List<Future<byte[]>> flood = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      flood.add(insert(s, "flood" + i, "10.0.0." + (10 + i)));
    }
    Future<byte[]> overShare = insert(s, "floodX", "10.0.0.99");
    assertInstanceOf(StoreBusyException.class, failure(overShare), "one network holds at most its share");
    assertFalse(s.acceptsWrite("10.0.0.200"));
    assertTrue(s.acceptsWrite("192.0.2.1"));

    Future<byte[]> other = insert(s, "other1", "192.0.2.1");
    Future<byte[]> third = insert(s, "third1", "198.51.100.1"); // full now: pushes out the flood's newest
    assertInstanceOf(StoreBusyException.class, failure(flood.get(2)));
    Future<byte[]> fourth = insert(s, "fourth", "203.0.113.1");
    assertInstanceOf(StoreBusyException.class, failure(flood.get(1)));
    assertFalse(s.acceptsWrite("203.0.114.1"), "every lane as short as can be: no room for a fifth network");
    assertInstanceOf(StoreBusyException.class, failure(insert(s, "fifth1", "203.0.114.1")));

    s.commitNext();
    assertEquals(List.of("flood0", "other1", "third1", "fourth"),
        s.nextBatch().stream().map(PeerWrite::id).toList(), "one of each network");
    s.commitNext();
    await(other);
    await(third);
    await(fourth);
    await(flood.get(0));
    assertEquals(4, s.queueState().writesHighWater());
  }

  @Test
  void readsAreBatchedOncePerIdAndBoundedToo() throws Exception {
    HeldStore s = store(2, 2, 3600);
    Future<StoredPeer> a = s.findById("aaaaaa", "10.0.0.1");
    waitFor(() -> !s.heldReads.isEmpty(), "the first read batch");
    Future<StoredPeer> b = s.findById("bbbbbb", "10.0.0.1");
    Future<StoredPeer> b2 = s.findById("bbbbbb");
    assertInstanceOf(StoreBusyException.class, failure(s.findById("cccccc", "10.0.0.1")));
    s.heldReads.pollFirst().complete(Map.of());
    assertNull(await(a));
    waitFor(() -> !s.heldReads.isEmpty(), "the second read batch");
    assertEquals(List.of("bbbbbb"), s.readBatches.peekLast(), "one query, each id once");
    StoredPeer row = new StoredPeer(new byte[] {1}, "bbbbbb", new byte[] {2}, new byte[] {3}, "10.0.0.1");
    s.heldReads.pollFirst().complete(Map.of("bbbbbb", row));
    assertEquals(row, await(b));
    assertEquals(row, await(b2));
  }

  @Test
  void closingDropsWhatWaitsAndFinishesTheRunningBatchFirst() throws Exception {
    HeldStore s = store(100, 100, 3600);
    Future<byte[]> running = insert(s, "running", "10.0.0.1");
    s.nextBatch();
    Future<byte[]> waiting = insert(s, "waiting", "10.0.0.2");
    Future<Void> closed = s.close();
    assertInstanceOf(StoreClosedException.class, failure(waiting), "dropped, never written");
    assertFalse(closed.isComplete());
    assertFalse(s.connectionsClosed, "the running batch still needs the connection");
    s.commitNext();
    assertArrayEquals("running".getBytes(), await(running), "a batch already running is committed and answered");
    await(closed);
    assertTrue(s.connectionsClosed);
    assertTrue(s.writeBatches.isEmpty(), "the dropped write never reached the database");
    assertInstanceOf(StoreClosedException.class, failure(insert(s, "late01", "10.0.0.3")));
    assertInstanceOf(StoreClosedException.class, failure(s.findById("late01")));
    assertFalse(s.acceptsWrite("10.0.0.3"));
  }

  @Test
  void readinessFailsWhileWritesFailAndComesBackWhenTheyWork() throws Exception {
    HeldStore s = store(100, 100, 1);
    await(s.init());
    await(s.checkReady());

    Future<byte[]> w = insert(s, "broken", "10.0.0.1");
    s.nextBatch();
    s.writeBatches.pollFirst();
    s.heldWrites.pollFirst().fail(new IllegalStateException("[SQLITE_FULL] database or disk is full"));
    assertTrue(failure(w).getMessage().contains("SQLITE_FULL"));
    Throwable notReady = failure(s.checkReady());
    assertTrue(notReady.getMessage().contains("writes failing") && notReady.getMessage().contains("SQLITE_FULL"),
        notReady.getMessage());

    // idle: the probe keeps trying, and a probe that fails keeps the node not ready
    s.probeFailure = new IllegalStateException("probe: disk full");
    int probes = s.probes;
    waitFor(() -> s.probes >= probes + 3, "probes while idle");
    assertTrue(failure(s.checkReady()).getMessage().contains("probe: disk full"));

    s.probeFailure = null;
    waitFor(() -> s.checkReady().succeeded(), "ready again once writes work");
  }

  @Test
  void aBatchThatWaitsTooLongMakesTheNodeNotReady() throws Exception {
    HeldStore s = store(100, 100, 1);
    await(s.init());
    insert(s, "stuck1", "10.0.0.1"); // held, as by a lock another program keeps
    waitFor(() -> s.checkReady().failed(), "not ready");
    assertTrue(failure(s.checkReady()).getMessage().contains("waited"));
    s.commitNext();
    waitFor(() -> s.checkReady().succeeded(), "ready again");
  }

  static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
      Thread.sleep(20);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) {
    return assertThrows(ExecutionException.class, () -> await(f)).getCause();
  }
}
