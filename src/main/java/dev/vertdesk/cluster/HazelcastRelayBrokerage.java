package dev.vertdesk.cluster;

import com.hazelcast.map.IMap;
import dev.vertdesk.registry.RelayBrokerage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Brokered relay uuids in a cluster map whose entries expire after {@link #TTL_MILLIS}. */
final class HazelcastRelayBrokerage implements RelayBrokerage {

  private final Vertx vertx;
  private final IMap<String, Long> uuids;

  HazelcastRelayBrokerage(Vertx vertx, IMap<String, Long> uuids) {
    this.vertx = vertx;
    this.uuids = uuids;
  }

  @Override
  public Future<Void> brokered(String uuid) {
    if (uuid == null || uuid.isEmpty()) {
      return Future.succeededFuture();
    }
    return Clustering.onContext(vertx,
        uuids.setAsync(uuid, System.currentTimeMillis(), TTL_MILLIS, TimeUnit.MILLISECONDS));
  }

  @Override
  public Future<Boolean> wasBrokered(String uuid) {
    if (uuid == null || uuid.isEmpty()) {
      return Future.succeededFuture(false);
    }
    return Clustering.onContext(vertx, uuids.getAsync(uuid)).map(at -> at != null);
  }
}
