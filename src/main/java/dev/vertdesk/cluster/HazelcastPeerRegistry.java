package dev.vertdesk.cluster;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.registry.HeartbeatOutcome;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.registry.RegisterPkOutcome;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.node.NodeRequests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's peer registry. Each node keeps the devices whose datagrams or connections it
 * receives in its own {@link LocalPeerRegistry} (heartbeats never leave the node); a cluster map,
 * the directory, says which node holds each online device and where the device is. The
 * directory is written only when that changes (a device comes online here, registers a key,
 * moves endpoint, goes offline), so its traffic follows registrations, not heartbeats. Durable
 * records (uuid, key) live in the shared peer store, as on a single node.
 */
final class HazelcastPeerRegistry implements PeerRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastPeerRegistry.class);

  private final Vertx vertx;
  private final Clustering cluster;
  private final LocalPeerRegistry local;
  private final IMap<String, HazelcastJsonValue> directory;
  private final NodeRequests nodes;
  /** The endpoint this node last wrote to the directory for each device it holds. */
  private final ConcurrentHashMap<String, InetSocketAddress> published = new ConcurrentHashMap<>();

  HazelcastPeerRegistry(Vertx vertx, Clustering cluster, LocalPeerRegistry local,
                        IMap<String, HazelcastJsonValue> directory, NodeRequests nodes) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.local = local;
    this.directory = directory;
    this.nodes = nodes;
    cluster.onNodeLeft(this::forgetNode);
  }

  @Override
  public Future<HeartbeatOutcome> heartbeat(String id, InetSocketAddress from) {
    forgetUnlessHeld(id);
    return local.heartbeat(id, from).compose(outcome -> {
      if (outcome.requestPk()) {
        return Future.succeededFuture(outcome);
      }
      if (outcome.becameOnline() || !from.equals(published.get(id))) {
        return publish(id).map(outcome);
      }
      return Future.succeededFuture(outcome);
    });
  }

  /**
   * A device arriving from another node: what this node remembers of it may be stale (another
   * node may have changed its key or address), so its heartbeat asks for the key (request_pk) and
   * the RegisterPk reads the shared store.
   */
  private void forgetUnlessHeld(String id) {
    if (!published.containsKey(id)) {
      local.forgetCopy(id);
    }
  }

  @Override
  public Future<RegisterPkOutcome> registerPk(String id, byte[] uuid, byte[] pk, InetSocketAddress from) {
    forgetUnlessHeld(id);
    return local.registerPk(id, uuid, pk, from).compose(outcome ->
        outcome.result() == Result.OK ? publish(id).map(outcome) : Future.succeededFuture(outcome));
  }

  @Override
  public Future<RegisterPkOutcome> changeId(String oldId, String newId, byte[] uuid, byte[] pk,
                                            InetSocketAddress from) {
    return local.changeId(oldId, newId, uuid, pk, from).compose(outcome -> {
      if (outcome.result() != Result.OK) {
        return Future.succeededFuture(outcome);
      }
      published.remove(oldId);
      // the old ID is gone wherever it was held; the device registers the new one next
      Future<Void> removed = cluster.op(directory.removeAsync(oldId)).compose(old -> {
        String owner = owner(old);
        if (owner != null && !owner.equals(cluster.self())) {
          release(owner, oldId);
        }
        return Future.succeededFuture();
      });
      return removed.map(outcome).recover(e -> {
        LOG.error("directory entry of {} not removed after ID change: {}", oldId, e.toString());
        return Future.succeededFuture(outcome);
      });
    });
  }

  @Override
  public boolean disconnected(String id, InetSocketAddress endpoint) {
    if (!local.disconnected(id, endpoint)) {
      return false;
    }
    unpublish(id);
    return true;
  }

  @Override
  public Future<PeerView> lookup(String id) {
    PeerView here = local.cached(id);
    if (here != null && here.online()) {
      return Future.succeededFuture(here);
    }
    return cluster.op(directory.getAsync(id)).compose(entry -> {
      PeerView elsewhere = remoteView(id, entry);
      return elsewhere != null ? Future.succeededFuture(elsewhere) : local.lookup(id);
    });
  }

  /** The device as another live node holds it, or null. */
  private PeerView remoteView(String id, HazelcastJsonValue entry) {
    if (entry == null) {
      return null;
    }
    JsonObject e = new JsonObject(entry.getValue());
    String node = e.getString("n");
    if (node == null || node.equals(cluster.self()) || !cluster.alive(node)) {
      return null;
    }
    InetSocketAddress endpoint = null;
    String ip = e.getString("ip");
    if (ip != null) {
      try {
        endpoint = new InetSocketAddress(InetAddress.getByName(ip), e.getInteger("port", 0)); // a literal
      } catch (UnknownHostException | IllegalArgumentException bad) {
        LOG.warn("directory entry of {} has a bad endpoint {}", id, ip);
      }
    }
    return new PeerView(id, e.getBinary("pk"), endpoint, e.getLong("t", 0L), true, node);
  }

  @Override
  public PeerView cached(String id) {
    return local.cached(id);
  }

  @Override
  public Future<boolean[]> onlineStates(List<String> ids) {
    boolean[] states = local.onlineHere(ids);
    Set<String> elsewhere = new HashSet<>();
    for (int i = 0; i < states.length; i++) {
      if (!states[i]) {
        elsewhere.add(ids.get(i));
      }
    }
    if (elsewhere.isEmpty()) {
      return Future.succeededFuture(states);
    }
    // one call per partition owner instead of one per ID; getAll blocks, so on a worker
    return vertx.executeBlocking(() -> directory.getAll(elsewhere), false).map(found -> {
      for (int i = 0; i < states.length; i++) {
        if (!states[i]) {
          states[i] = remoteView(ids.get(i), found.get(ids.get(i))) != null;
        }
      }
      return states;
    });
  }

  @Override
  public void sweepExpired(Consumer<String> offline) {
    local.sweepExpired(id -> {
      unpublish(id);
      offline.accept(id);
    });
  }

  @Override
  public dev.vertdesk.registry.IpRegistrationLimiter ipLimiter() {
    return local.ipLimiter();
  }

  @Override
  public Future<Boolean> liftIpLimit(String ip) {
    return local.liftIpLimit(ip);
  }

  /** The devices this node knows (those it holds, and records it read). */
  @Override
  public List<PeerView> list(String prefix, boolean onlineOnly, int limit) {
    return local.list(prefix, onlineOnly, limit);
  }

  @Override
  public int size() {
    return local.size();
  }

  @Override
  public int onlineCount() {
    return local.onlineCount();
  }

  /** Writes that this node holds {@code id}; tells the previous holder to let go. */
  private Future<Void> publish(String id) {
    PeerView v = local.cached(id);
    if (v == null || v.endpoint() == null) {
      return Future.succeededFuture();
    }
    JsonObject entry = new JsonObject()
        .put("n", cluster.self())
        .put("ip", v.endpoint().getAddress().getHostAddress())
        .put("port", v.endpoint().getPort())
        .put("t", v.lastRegMillis());
    if (v.pk() != null) {
      entry.put("pk", v.pk());
    }
    published.put(id, v.endpoint());
    return cluster.op(directory.putAsync(id, new HazelcastJsonValue(entry.encode())))
        .<Void>map(previous -> {
          String owner = owner(previous);
          if (owner != null && !owner.equals(cluster.self()) && cluster.alive(owner)) {
            release(owner, id);
          }
          return null;
        })
        .recover(e -> {
          // the device stays reachable through this node's memory; other nodes see it at the
          // next change, so log instead of failing the device's registration
          published.remove(id);
          LOG.error("directory write for {} failed: {}", id, e.toString());
          return Future.succeededFuture();
        });
  }

  /** This node no longer holds {@code id}: remove the entry if it is still ours. */
  private void unpublish(String id) {
    if (published.remove(id) == null) {
      return;
    }
    cluster.op(directory.submitToKey(id, new RemoveIfHeldBy(cluster.self())))
        .onFailure(e -> LOG.error("directory entry of {} not removed: {}", id, e.toString()));
  }

  private void release(String owner, String id) {
    nodes.request(owner, Addresses.nodeRelease(owner), id)
        .onFailure(e -> LOG.debug("node {} not told to release {}: {}", owner, id, e.getMessage()));
  }

  /** Another node took over a device this node held (its heartbeats go there now). */
  MessageConsumer<String> listen() {
    return vertx.eventBus().consumer(Addresses.nodeRelease(cluster.self()), msg -> {
      String id = msg.body();
      if (id != null) {
        published.remove(id);
        local.release(id);
      }
      msg.reply(null);
    });
  }

  /** A node left: its entries no longer route anywhere; the oldest member removes them. */
  private void forgetNode(String node) {
    if (!cluster.oldest()) {
      return;
    }
    vertx.executeBlocking(() -> {
      directory.removeAll(Predicates.equal("n", node));
      return null;
    }, false).onFailure(e -> LOG.warn("entries of departed node {} not removed: {}", node, e.toString()));
  }

  /**
   * Removes the entries of nodes that are no longer members, should the removal when they left
   * have failed (or the oldest member have left at the same time). Run by the oldest member, now
   * and then: node IDs are new at every start, so nothing else would ever overwrite them.
   */
  void sweepDeparted() {
    if (!cluster.oldest()) {
      return;
    }
    String[] live = cluster.members().toArray(String[]::new);
    vertx.executeBlocking(() -> {
      directory.removeAll(Predicates.not(Predicates.in("n", live)));
      return null;
    }, false).onFailure(e -> LOG.warn("directory sweep failed: {}", e.toString()));
  }

  private static String owner(HazelcastJsonValue entry) {
    return entry == null ? null : new JsonObject(entry.getValue()).getString("n");
  }

  /** Removes a directory entry only if {@code node} still holds it; runs on the entry's owner. */
  static final class RemoveIfHeldBy implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String node;

    RemoveIfHeldBy(String node) {
      this.node = node;
    }

    @Override
    public Boolean process(Entry<String, HazelcastJsonValue> entry) {
      if (node.equals(owner(entry.getValue()))) {
        entry.setValue(null);
        return true;
      }
      return false;
    }
  }
}
