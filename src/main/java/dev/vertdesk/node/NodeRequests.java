package dev.vertdesk.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests to one node's own event-bus address. They carry a timeout, and fail at once when the
 * node is not a member or leaves while they are in flight, so that a requester hears OFFLINE
 * right away instead of after the timeout.
 */
public final class NodeRequests {

  /** The target node left the cluster (or never was in it). */
  public static final class NodeGoneException extends RuntimeException {
    NodeGoneException(String node) {
      super("node " + node + " is not in the cluster", null, false, false);
    }
  }

  private final EventBus bus;
  private final ClusterView cluster;
  private final DeliveryOptions options;
  private final ConcurrentHashMap<String, Set<Promise<?>>> inFlight = new ConcurrentHashMap<>();

  public NodeRequests(EventBus bus, ClusterView cluster, long timeoutMillis) {
    this.bus = bus;
    this.cluster = cluster;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
    cluster.onNodeLeft(this::failAll);
  }

  public <T> Future<Message<T>> request(String node, String address, Object body) {
    if (!cluster.alive(node)) {
      return Future.failedFuture(new NodeGoneException(node));
    }
    Promise<Message<T>> promise = Promise.promise();
    Set<Promise<?>> pending = inFlight.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
    pending.add(promise);
    bus.<T>request(address, body, options).onComplete(ar -> {
      pending.remove(promise);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    if (!cluster.alive(node)) {
      // left between the check and the tracking: failAll may have missed this one
      promise.tryFail(new NodeGoneException(node));
    }
    return promise.future();
  }

  private void failAll(String node) {
    Set<Promise<?>> pending = inFlight.remove(node);
    if (pending != null) {
      pending.forEach(p -> p.tryFail(new NodeGoneException(node)));
    }
  }
}
