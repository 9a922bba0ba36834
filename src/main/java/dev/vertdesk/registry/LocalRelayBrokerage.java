package dev.vertdesk.registry;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Single-node {@link RelayBrokerage}: uuid → time brokered, pruned as it is written. */
public final class LocalRelayBrokerage implements RelayBrokerage {

  /** Bounds memory under a flood of brokered uuids between two prunes. */
  static final int PRUNE_EVERY = 1024;

  private final ConcurrentHashMap<String, Long> uuids = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private int writes;

  public LocalRelayBrokerage(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public Future<Void> brokered(String uuid) {
    if (uuid == null || uuid.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = clock.getAsLong();
    uuids.put(uuid, now);
    boolean prune;
    synchronized (this) {
      prune = ++writes % PRUNE_EVERY == 0;
    }
    if (prune) {
      uuids.values().removeIf(t -> now - t > TTL_MILLIS);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Boolean> wasBrokered(String uuid) {
    Long at = uuids.get(uuid);
    return Future.succeededFuture(at != null && clock.getAsLong() - at <= TTL_MILLIS);
  }

  public int size() {
    return uuids.size();
  }
}
