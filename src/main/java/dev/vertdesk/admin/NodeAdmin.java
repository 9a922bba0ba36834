package dev.vertdesk.admin;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.logging.EventLog;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.metrics.DomainMetrics;
import dev.vertdesk.metrics.Metrics;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.relay.RelayHub;
import dev.vertdesk.rendezvous.RendezvousContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The administration side of one node, running whether or not the node serves the admin HTTP
 * port: the {@code vertdesk_*} meters, the event log, the event history, and the consumer of
 * {@link Addresses#ADMIN_COMMAND}, through which every admin change and per-node query reaches
 * every member of the cluster (the command is published; each node answers the requester on its
 * {@link Addresses#adminReplies} address). Started by the composition root once the node's
 * collaborators exist, and handed to the admin verticle.
 */
public final class NodeAdmin {

  private static final Logger LOG = LoggerFactory.getLogger(NodeAdmin.class);

  /** Answers collected for one broadcast. */
  private static final class Pending {
    final int expected;
    final Promise<JsonObject> promise;
    final List<JsonObject> replies = new ArrayList<>();
    long timer = -1;
    boolean done;

    Pending(int expected, Promise<JsonObject> promise) {
      this.expected = expected;
      this.promise = promise;
    }
  }

  private final Vertx vertx;
  private final NodeCore core;
  private final Optional<MeterRegistry> meters;
  private final EventHistory history;
  private final EventLog eventLog;
  private final DomainMetrics metrics;
  private final AdminCommands commands;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final RepeatedLog failures = new RepeatedLog(LOG, 60_000);
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  private NodeAdmin(Vertx vertx, NodeCore core, RendezvousContext rendezvous, Optional<RelayHub> relay) {
    this.vertx = vertx;
    this.core = core;
    this.meters = Metrics.registry(vertx);
    this.history = new EventHistory(System::currentTimeMillis).start(vertx);
    this.eventLog = new EventLog().start(vertx);
    this.metrics = meters.map(r -> new DomainMetrics(vertx, core, relay, r).start()).orElse(null);
    this.commands = new AdminCommands(vertx, core, rendezvous, relay, history, meters.orElse(null));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.ADMIN_COMMAND, m -> execute(m.body())));
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.adminReplies(core.nodeId()),
        m -> collect(m.body())));
  }

  /**
   * Starts the node's administration; call once per node, on its context.
   *
   * @param relay the node's relay, when it runs a relay port
   */
  public static NodeAdmin start(Vertx vertx, NodeCore core, RendezvousContext rendezvous, Optional<RelayHub> relay) {
    NodeAdmin admin = new NodeAdmin(vertx, core, rendezvous, relay);
    if (admin.metrics == null) {
      LOG.info("Micrometer metrics are off: /metrics and the event-bus view have nothing to show");
    }
    return admin;
  }

  public void close() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    history.close();
    eventLog.close();
    if (metrics != null) {
      metrics.close();
    }
    pending.keySet().forEach(this::finish);
  }

  public EventHistory history() {
    return history;
  }

  /** The registry {@code /metrics} serves, when Micrometer metrics are on. */
  public Optional<MeterRegistry> meters() {
    return meters;
  }

  /** Future completes (with one node's answer) where the caller runs. */
  private static <T> Promise<T> promiseHere() {
    Context c = Vertx.currentContext();
    return c instanceof ContextInternal ci ? ci.promise() : Promise.promise();
  }

  /**
   * Runs {@code command} on every node (published on {@link Addresses#ADMIN_COMMAND}) and collects
   * the answers: {@code {expected, partial, nodes: [{node, ok, result | error}]}}, this node first.
   * Completes when every cluster member answered or after {@code timeoutMillis}, with what came.
   *
   * @throws IllegalArgumentException if the command or its arguments are invalid (nothing is sent)
   */
  public Future<JsonObject> broadcast(String command, JsonObject args, long timeoutMillis) {
    JsonObject a = args == null ? new JsonObject() : args;
    AdminCommands.validate(command, a);
    String id = UUID.randomUUID().toString();
    Pending p = new Pending(Math.max(1, core.cluster().members().size()), promiseHere());
    pending.put(id, p);
    synchronized (p) {
      p.timer = vertx.setTimer(Math.max(1, timeoutMillis), t -> finish(id));
    }
    vertx.eventBus().publish(Addresses.ADMIN_COMMAND, new JsonObject().put("requestId", id)
        .put("replyTo", Addresses.adminReplies(core.nodeId())).put("command", command).put("args", a));
    return p.promise.future();
  }

  private void execute(JsonObject body) {
    if (body == null) {
      return;
    }
    String requestId = body.getString("requestId");
    String replyTo = body.getString("replyTo");
    String command = body.getString("command");
    JsonObject args = body.getValue("args") instanceof JsonObject j ? j : new JsonObject();
    commands.run(command, args).onComplete(ar -> {
      JsonObject reply = new JsonObject().put("requestId", requestId).put("node", core.nodeId());
      if (ar.succeeded()) {
        reply.put("ok", true).put("result", ar.result());
      } else if (ar.cause() instanceof IllegalArgumentException e) {
        reply.put("ok", false).put("error", String.valueOf(e.getMessage())); // our own check's words
      } else {
        // an I/O error, say: the answer may reach a 5xx, so its details stay in this node's log
        reply.put("ok", false).put("error", "the command failed on this node (see its log)");
        failures.warn(command, "admin command {} failed on this node: {}", command, ar.cause().toString());
      }
      if (replyTo != null) {
        vertx.eventBus().send(replyTo, reply);
      }
    });
  }

  private void collect(JsonObject reply) {
    if (reply == null) {
      return;
    }
    Pending p = pending.get(reply.getString("requestId", ""));
    if (p == null) {
      return; // too late: already answered
    }
    boolean complete;
    synchronized (p) {
      p.replies.add(reply.copy());
      complete = p.replies.size() >= p.expected;
    }
    if (complete) {
      finish(reply.getString("requestId"));
    }
  }

  private void finish(String id) {
    Pending p = pending.remove(id);
    if (p == null) {
      return;
    }
    List<JsonObject> replies;
    synchronized (p) {
      if (p.done) {
        return;
      }
      p.done = true;
      if (p.timer >= 0) {
        vertx.cancelTimer(p.timer);
      }
      replies = new ArrayList<>(p.replies);
    }
    String self = core.nodeId();
    replies.sort(Comparator.comparing((JsonObject r) -> !self.equals(r.getString("node")))
        .thenComparing(r -> r.getString("node", "")));
    JsonArray nodes = new JsonArray();
    replies.forEach(r -> {
      r.remove("requestId");
      nodes.add(r);
    });
    p.promise.tryComplete(new JsonObject().put("expected", p.expected)
        .put("partial", replies.size() < p.expected).put("nodes", nodes));
  }
}
