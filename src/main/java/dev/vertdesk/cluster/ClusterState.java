package dev.vertdesk.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** The cluster's health as readiness reports it. */
public final class ClusterState {

  private ClusterState() {
  }

  static ClusterManager manager(Vertx vertx) {
    return vertx instanceof VertxInternal vx && vertx.isClustered() ? vx.clusterManager() : null;
  }

  /**
   * Whether Hazelcast holds every partition with its backups (no migration under way), which is
   * when a member can leave without losing data: {@code null} when not clustered on Hazelcast.
   * Asks the partition service off the event loop.
   */
  public static Future<Boolean> partitionsSafe(Vertx vertx) {
    if (!(manager(vertx) instanceof HazelcastClusterManager hz)) {
      return Future.succeededFuture(null);
    }
    return vertx.executeBlocking(() -> hz.isActive()
        && hz.getHazelcastInstance().getPartitionService().isClusterSafe(), false);
  }
}
