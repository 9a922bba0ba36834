package dev.vertdesk.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.vertdesk.config.ServerConfig.Limits;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.RegistrationGate;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.rendezvous.AnswerRouter;
import dev.vertdesk.rendezvous.AnswerRoutes;
import dev.vertdesk.node.ClusterView;
import dev.vertdesk.node.NodeRequests;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership in a Hazelcast cluster and the factory of the Hazelcast-backed state
 * (peer directory, brokered relay uuids, answer routes). The only way into Hazelcast: nothing
 * outside this package imports it.
 */
public final class Clustering implements ClusterView {

  private static final Logger LOG = LoggerFactory.getLogger(Clustering.class);
  /** Where the Hazelcast cluster manager keeps each member's Vert.x node ID. */
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  /** Cluster-wide maps; names are part of the contract between nodes of different versions. */
  static final String PEERS_MAP = "vertdesk.peers";
  static final String REQUESTERS_MAP = "vertdesk.requesters";
  static final String BROKERED_MAP = "vertdesk.brokered";
  static final String LIMITS_MAP = "vertdesk.limits";

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final String self;
  private final Set<String> members = ConcurrentHashMap.newKeySet();
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  /** How often the oldest member removes directory entries of nodes that are gone. */
  static final long DIRECTORY_SWEEP_MILLIS = 60_000;
  private final UUID membershipListener;
  private final long operationTimeoutMillis;

  private Clustering(Vertx vertx, HazelcastInstance hazelcast, String self, long operationTimeoutMillis) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.self = self;
    this.operationTimeoutMillis = operationTimeoutMillis;
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        String node = nodeId(event.getMember());
        if (node != null && members.add(node)) {
          LOG.info("cluster node {} joined ({} members)", node, members.size());
        }
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = nodeId(event.getMember());
        if (node == null || !members.remove(node)) {
          return;
        }
        LOG.warn("cluster node {} left; its devices are offline until they register elsewhere", node);
        leftListeners.forEach(l -> l.accept(node));
      }
    });
    hazelcast.getCluster().getMembers().forEach(m -> {
      String node = nodeId(m);
      if (node != null) {
        members.add(node);
      }
    });
    LOG.info("node {} in cluster {} ({} members)", self, hazelcast.getConfig().getClusterName(), members.size());
  }

  /** The Vert.x node ID of a member (not its Hazelcast UUID). */
  private static String nodeId(Member member) {
    return member.getAttribute(NODE_ID_ATTRIBUTE);
  }

  /**
   * The membership of a Vert.x instance built clustered with our Hazelcast cluster manager.
   *
   * @param operationTimeoutMillis how long a cluster-map operation may take before it fails
   *                               (a member that crashed holds its partitions until Hazelcast
   *                               notices, some seconds later; callers answer OFFLINE meanwhile)
   */
  public static Clustering of(Vertx vertx, long operationTimeoutMillis) {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    if (!(cm instanceof HazelcastClusterManager hz)) {
      throw new IllegalStateException("clustered with " + cm + "; Vertdesk needs the Hazelcast cluster manager");
    }
    return new Clustering(vertx, hz.getHazelcastInstance(), hz.getNodeId(), operationTimeoutMillis);
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public boolean clustered() {
    return true;
  }

  @Override
  public boolean alive(String node) {
    return node != null && members.contains(node);
  }

  @Override
  public List<String> members() {
    return List.copyOf(members);
  }

  @Override
  public void onNodeLeft(Consumer<String> listener) {
    leftListeners.add(listener);
  }

  /** True on exactly one member: the oldest, which does cluster-wide clean-ups. */
  boolean oldest() {
    for (Member m : hazelcast.getCluster().getMembers()) {
      return m.localMember();
    }
    return false;
  }

  /** RegisterPk limits counted across the cluster. */
  public RegistrationGate registrationGate(Limits limits) {
    return new HazelcastRegistrationGate(this, hazelcast.getMap(LIMITS_MAP), limits);
  }

  public PeerRegistry peerRegistry(LocalPeerRegistry local, NodeRequests nodes) {
    IMap<String, com.hazelcast.core.HazelcastJsonValue> directory = hazelcast.getMap(PEERS_MAP);
    HazelcastPeerRegistry registry = new HazelcastPeerRegistry(vertx, this, local, directory, nodes);
    consumers.add(registry.listen());
    timers.add(vertx.setPeriodic(DIRECTORY_SWEEP_MILLIS, t -> registry.sweepDeparted()));
    return registry;
  }

  public RelayBrokerage relayBrokerage() {
    return new HazelcastRelayBrokerage(this, hazelcast.getMap(BROKERED_MAP));
  }

  public AnswerRoutes answerRoutes(AnswerRouter local, NodeRequests nodes) {
    ClusterAnswerRoutes routes = new ClusterAnswerRoutes(vertx, this, local, hazelcast.getMap(REQUESTERS_MAP), nodes);
    consumers.add(routes.listen());
    return routes;
  }

  /** Completes once this node's own addresses are known to every node. */
  public Future<Void> ready() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Stops listening; the cluster manager itself leaves when Vert.x closes. */
  public Future<Void> close() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    try {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    } catch (RuntimeException e) {
      // Hazelcast already shut down (Vert.x closing): nothing left to remove
    }
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList()).mapEmpty();
  }

  /**
   * A cluster-map operation as a Vert.x future whose callbacks run on the caller's context; it
   * fails after the operation timeout instead of waiting for a crashed member's partitions.
   */
  <T> Future<T> op(CompletionStage<T> stage) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(stage, context).timeout(operationTimeoutMillis, TimeUnit.MILLISECONDS);
  }
}
