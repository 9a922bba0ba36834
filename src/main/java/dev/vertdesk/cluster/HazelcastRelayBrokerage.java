package dev.vertdesk.cluster;

import com.hazelcast.map.IMap;
import dev.vertdesk.registry.RelayBrokerage;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Brokered relay uuids in a cluster map whose entries expire after {@link #TTL_MILLIS}. */
final class HazelcastRelayBrokerage implements RelayBrokerage {

  private final Clustering cluster;
  private final IMap<String, Long> uuids;

  HazelcastRelayBrokerage(Clustering cluster, IMap<String, Long> uuids) {
    this.cluster = cluster;
    this.uuids = uuids;
  }

  @Override
  public Future<Void> brokered(String uuid) {
    if (uuid == null || uuid.isEmpty()) {
      return Future.succeededFuture();
    }
    return cluster.op(uuids.setAsync(uuid, System.currentTimeMillis(), TTL_MILLIS, TimeUnit.MILLISECONDS));
  }

  @Override
  public Future<Boolean> wasBrokered(String uuid) {
    if (uuid == null || uuid.isEmpty()) {
      return Future.succeededFuture(false);
    }
    return cluster.op(uuids.getAsync(uuid)).map(at -> at != null);
  }
}
