package dev.vertdesk.cluster;

import com.hazelcast.map.IMap;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.rendezvous.AnswerRouter;
import dev.vertdesk.rendezvous.AnswerRoutes;
import dev.vertdesk.rendezvous.AnswerSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import dev.vertdesk.node.NodeRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answer routing across nodes: each requester address maps to the node holding its connection
 * (a cluster map entry that expires with the client's own wait), so an answer arriving on any
 * node reaches that node's {@link AnswerRouter}.
 */
final class ClusterAnswerRoutes implements AnswerRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterAnswerRoutes.class);
  /** Longer than a client waits for an answer (§10). */
  static final long ROUTE_TTL_SECONDS = 60;

  private final Vertx vertx;
  private final Clustering cluster;
  private final AnswerRouter local;
  private final IMap<String, String> routes;
  private final NodeRequests nodes;

  ClusterAnswerRoutes(Vertx vertx, Clustering cluster, AnswerRouter local, IMap<String, String> routes,
                      NodeRequests nodes) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.local = local;
    this.routes = routes;
    this.nodes = nodes;
  }

  static String key(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + "|" + a.getPort();
  }

  @Override
  public Future<Void> await(InetSocketAddress requester, AnswerSink sink) {
    local.register(requester, sink);
    return cluster.op(
        routes.setAsync(key(requester), cluster.self(), ROUTE_TTL_SECONDS, TimeUnit.SECONDS));
  }

  @Override
  public void cancel(InetSocketAddress requester, AnswerSink sink) {
    // the map entry expires by itself; another connection may take the address over meanwhile
    local.unregister(requester, sink);
  }

  @Override
  public Future<Boolean> deliver(InetSocketAddress requester, RendezvousMessage message) {
    if (local.deliverHere(requester, message)) {
      return Future.succeededFuture(true);
    }
    String key = key(requester);
    return cluster.op( routes.getAsync(key)).compose(node -> {
      if (node == null || node.equals(cluster.self())) {
        return Future.succeededFuture(false);
      }
      JsonObject body = new JsonObject().put("requester", key).put("message", message.toByteArray());
      return nodes.<Boolean>request(node, Addresses.nodeAnswer(node), body)
          .map(reply -> Boolean.TRUE.equals(reply.body()))
          .recover(e -> {
            LOG.debug("answer for {} not routed to node {}: {}", key, node, e.getMessage());
            return Future.succeededFuture(false);
          });
    });
  }

  MessageConsumer<JsonObject> listen() {
    return vertx.eventBus().consumer(Addresses.nodeAnswer(cluster.self()), msg -> {
      try {
        String[] key = msg.body().getString("requester", "").split("\\|");
        // an IP literal written by another node: no DNS
        InetSocketAddress requester = new InetSocketAddress(
            java.net.InetAddress.getByName(key[0]), Integer.parseInt(key[1]));
        RendezvousMessage message = RendezvousMessage.parseFrom(msg.body().getBinary("message"));
        msg.reply(local.deliverHere(requester, message));
      } catch (Exception e) {
        msg.fail(400, "bad answer: " + e.getMessage());
      }
    });
  }
}
