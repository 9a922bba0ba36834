package dev.vertdesk.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;

/** Cluster membership as the admin surface reports it; a lone node when not clustered. */
public final class ClusterState {

  private ClusterState() {
  }

  static ClusterManager manager(Vertx vertx) {
    return vertx instanceof VertxInternal vx && vertx.isClustered() ? vx.clusterManager() : null;
  }

  /** Members of the Vert.x cluster (1 when not clustered). */
  public static int members(Vertx vertx) {
    ClusterManager cm = manager(vertx);
    if (cm == null) {
      return 1;
    }
    try {
      List<String> nodes = cm.getNodes();
      return nodes == null ? 0 : nodes.size();
    } catch (RuntimeException e) {
      return 0; // leaving the cluster
    }
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
