package dev.vertdesk.admin;

import dev.vertdesk.cluster.ClusterState;
import dev.vertdesk.config.AdminOptions;
import dev.vertdesk.config.Deployment;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.HttpListener;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.rendezvous.RendezvousContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP surface ({@code verticles.admin}, port 21120 = base port + 4, on 127.0.0.1
 * unless configured otherwise): {@code /metrics} (Prometheus), {@code /health/live} and
 * {@code /health/ready} without a token; under {@code /api} the admin API, which requires
 * {@code Authorization: Bearer <token>} with the token from {@code admin.token} in the data
 * directory. Changes and per-node reads are broadcast to every cluster member through
 * {@link NodeAdmin#broadcast}; answers list each node. Its connections are limited apart from the
 * public ports' ({@code maxConnections}, {@code maxConnectionsPerIp}), so that a flood on those
 * cannot lock the operator out, nor a runaway scraper take their room.
 */
public final class AdminVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);
  private static final int MAX_BODY = 64 * 1024;
  private static final long FAILURE_LOG_MILLIS = 60_000;

  private final NodeCore core;
  private final RendezvousContext rendezvous;
  private final NodeAdmin node;
  private final AdminOptions options;
  private final ConnectionLimiter limiter;
  private final RepeatedLog failures = new RepeatedLog(LOG, FAILURE_LOG_MILLIS);
  private AdminToken token;
  private HttpServer server;

  public AdminVerticle(NodeCore core, RendezvousContext rendezvous, NodeAdmin node, AdminOptions options,
                       ConnectionLimiter limiter) {
    this.core = core;
    this.rendezvous = rendezvous;
    this.node = node;
    this.options = options;
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    Path tokenFile = core.config().server().dataDir().resolve(options.tokenFile());
    return vertx.executeBlocking(() -> AdminToken.loadOrCreate(tokenFile)).compose(t -> {
      token = t;
      String host = NetworkSupport.bindHost(options.host());
      server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(options.port())
          .setReuseAddress(true).setCompressionSupported(true));
      ConnectionLimiter.Listener connections = limiter.listener("admin");
      HttpListener.admitEach(server, connections);
      server.requestHandler(router());
      return HttpListener.listen(core, server, connections, "admin", host, options.port(),
          "/metrics, /health/live, /health/ready, /api with the token in " + tokenFile);
    });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  // ------------------------------------------------------------------ routes

  private Router router() {
    Router r = Router.router(vertx);
    r.get("/metrics").handler(this::metrics);
    r.get("/health/live").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
    r.get("/health/ready").handler(this::ready);
    r.route("/api/*").handler(this::authorize);
    r.route("/api/*").handler(BodyHandler.create().setBodyLimit(MAX_BODY));

    r.get("/api/status").handler(rc -> broadcast(rc, AdminCommands.STATUS, new JsonObject()));
    r.get("/api/peers").handler(this::peers);
    r.get("/api/peers/:id").handler(this::peer);
    r.get("/api/events").handler(this::recentEvents);
    r.get("/api/events/stream").handler(this::eventStream);
    r.get("/api/eventbus").handler(rc -> broadcast(rc, AdminCommands.EVENTBUS, new JsonObject()));
    r.post("/api/drain").handler(this::drain);

    r.get("/api/relay-servers").handler(rc -> broadcast(rc, AdminCommands.RELAY_SERVERS, new JsonObject()));
    r.put("/api/relay-servers").handler(rc -> {
      JsonObject b = body(rc);
      if (!b.containsKey("servers")) {
        throw new IllegalArgumentException("give servers: a list of host or host:port ([] clears it)");
      }
      broadcast(rc, AdminCommands.RELAY_SERVERS, new JsonObject().put("servers", b.getValue("servers")));
    });
    // hbbs' test-geo: the relay the next punch request of this node would hand out (it advances
    // the rotation; there is no geo in hbbs either, the client addresses only show in the answer)
    r.get("/api/relay-servers/next").handler(rc -> json(rc, 200, new JsonObject()
        .put("node", core.nodeId()).put("relay", rendezvous.relays().next())
        .put("ips", new JsonArray(rc.queryParam("ip")))));
    r.get("/api/always-use-relay").handler(rc -> broadcast(rc, AdminCommands.ALWAYS_USE_RELAY, new JsonObject()));
    r.put("/api/always-use-relay").handler(rc -> broadcast(rc, AdminCommands.ALWAYS_USE_RELAY,
        new JsonObject().put("value", yesNo(body(rc).getValue("value")))));

    r.get("/api/ip-blocker").handler(rc -> broadcast(rc, AdminCommands.IP_BLOCKER, new JsonObject()
        .put("offset", intParam(rc, "offset", 0, 0, Integer.MAX_VALUE))
        .put("limit", intParam(rc, "limit", 10, 1, 100_000))));
    r.get("/api/ip-blocker/:ip").handler(rc -> broadcast(rc, AdminCommands.IP_BLOCKER,
        new JsonObject().put("ip", rc.pathParam("ip"))));
    r.delete("/api/ip-blocker/:ip").handler(rc -> broadcast(rc, AdminCommands.IP_BLOCKER,
        new JsonObject().put("ip", rc.pathParam("ip")).put("remove", true)));

    r.get("/api/ip-changes").handler(rc -> json(rc, 200, node.history().ipChanges(rc.queryParams().get("id"),
        intParam(rc, "offset", 0, 0, Integer.MAX_VALUE), intParam(rc, "limit", 10, 1, 100_000))));
    r.delete("/api/ip-changes").handler(rc -> broadcast(rc, AdminCommands.IP_CHANGES_CLEAR, new JsonObject()));
    r.delete("/api/ip-changes/:id").handler(rc -> broadcast(rc, AdminCommands.IP_CHANGES_CLEAR,
        new JsonObject().put("id", rc.pathParam("id"))));

    r.get("/api/punch-requests").handler(rc -> json(rc, 200, node.history().punchRequests(
        intParam(rc, "start", 0, 0, Integer.MAX_VALUE), intParam(rc, "limit", 10, 1, 100_000))));
    r.delete("/api/punch-requests").handler(rc -> broadcast(rc, AdminCommands.PUNCH_REQUESTS_CLEAR, new JsonObject()));

    r.get("/api/relay/usage").handler(rc -> broadcast(rc, AdminCommands.USAGE, new JsonObject()));
    r.get("/api/relay/limits").handler(rc -> broadcast(rc, AdminCommands.RELAY_LIMITS, new JsonObject()));
    r.put("/api/relay/limits").handler(rc -> {
      JsonObject b = body(rc);
      JsonObject args = new JsonObject();
      for (String k : AdminCommands.LIMIT_KEYS) {
        if (b.containsKey(k)) {
          args.put(k, b.getValue(k));
        }
      }
      if (args.isEmpty()) {
        throw new IllegalArgumentException("give at least one of " + AdminCommands.LIMIT_KEYS);
      }
      broadcast(rc, AdminCommands.RELAY_LIMITS, args);
    });
    for (String list : List.of("blacklist", "blocklist")) {
      String path = "/api/relay/" + list;
      r.get(path).handler(rc -> {
        String ip = rc.queryParams().get("ip");
        broadcast(rc, AdminCommands.ACCESS_LIST, ip == null
            ? new JsonObject().put("list", list).put("op", "list")
            : new JsonObject().put("list", list).put("op", "check").put("ips", new JsonArray().add(ip)));
      });
      r.post(path).handler(rc -> broadcast(rc, AdminCommands.ACCESS_LIST, new JsonObject().put("list", list)
          .put("op", "add").put("ips", body(rc).getValue("ips"))));
      r.delete(path).handler(rc -> {
        JsonObject b = optionalBody(rc);
        boolean all = "true".equalsIgnoreCase(rc.queryParams().get("all")) || Boolean.TRUE.equals(b.getValue("all"));
        broadcast(rc, AdminCommands.ACCESS_LIST, new JsonObject().put("list", list).put("op", "remove")
            .put("all", all).put("ips", b.getValue("ips")));
      });
      r.delete(path + "/:ip").handler(rc -> broadcast(rc, AdminCommands.ACCESS_LIST, new JsonObject()
          .put("list", list).put("op", "remove").put("ips", new JsonArray().add(rc.pathParam("ip")))));
    }
    r.route("/api/*").handler(rc -> json(rc, 404, new JsonObject().put("error", "no such admin endpoint: "
        + rc.request().method() + " " + rc.request().path())));
    r.route().failureHandler(this::failure);
    return r;
  }

  /**
   * Every failed request ends here. A client error is answered 4xx with a message of ours and
   * not logged (a client can repeat it at will); anything else is a 500 that says nothing of the
   * cause, which goes to the log, at most once per interval.
   */
  private void failure(RoutingContext rc) {
    Throwable t = rc.failure();
    int status = rc.statusCode();
    String message;
    if (t instanceof NumberFormatException) {
      status = 400;
      message = "not a number where one is expected";
    } else if (t instanceof IllegalArgumentException) {
      status = 400; // our own checks: the message says what is wrong with the request
      message = t.getMessage();
    } else if (t instanceof DecodeException) {
      status = 400;
      message = "the body is not valid JSON";
    } else if (status == 413) {
      message = "the body is larger than " + MAX_BODY + " bytes";
    } else if (status >= 400 && status < 500) {
      message = HttpResponseStatus.valueOf(status).reasonPhrase();
    } else {
      status = 500;
      message = "internal error (see the server log)";
      failures.warn("failure", "admin request {} {} failed", rc.request().method(), rc.request().path(), t);
    }
    if (!rc.response().headWritten()) {
      json(rc, status, new JsonObject().put("error", message));
    } else {
      rc.response().reset();
    }
  }

  private void authorize(RoutingContext rc) {
    if (token.matches(AdminToken.fromHeader(rc.request().getHeader("Authorization")))) {
      rc.next();
      return;
    }
    rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"vertdesk\"");
    json(rc, 401, new JsonObject().put("error", "missing or wrong bearer token (see admin.token in the data directory)"));
  }

  // ------------------------------------------------------------------ metrics and health

  private void metrics(RoutingContext rc) {
    MeterRegistry registry = node.meters().orElse(null);
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      PrometheusScrapingHandler.create(prometheus).handle(rc);
    } else {
      rc.response().setStatusCode(503).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("metrics are off: Vert.x was started without Micrometer Prometheus metrics\n");
    }
  }

  /** Enabled built-in verticles that have not bound their port (yet). Plugins are not checked. */
  private List<String> unbound() {
    List<String> missing = new ArrayList<>();
    for (Deployment<?> d : core.config().builtIns()) {
      if (d.enabled() && !core.ports().has(d.name())) {
        missing.add(d.name());
      }
    }
    return missing;
  }

  private void ready(RoutingContext rc) {
    JsonObject checks = new JsonObject();
    List<String> missing = unbound();
    checks.put("verticles", new JsonObject().put("ok", missing.isEmpty()).put("unbound", new JsonArray(missing)));
    boolean draining = core.drain().draining();
    checks.put("drain", new JsonObject().put("ok", !draining).put("draining", draining));
    long timeout = options.readyTimeoutMillis();
    Future<Void> store = core.store().checkReady().timeout(timeout, TimeUnit.MILLISECONDS);
    Future<Boolean> cluster = ClusterState.partitionsSafe(vertx).timeout(timeout, TimeUnit.MILLISECONDS);
    Future.join(store, cluster).onComplete(ar -> {
      // a 503 names the failing check, never an exception's words; those go to the log
      if (store.failed()) {
        failures.warn("ready-store", "readiness: the peer store failed its check: {}", store.cause().toString());
      }
      checks.put("store", store.succeeded() ? new JsonObject().put("ok", true)
          : new JsonObject().put("ok", false).put("error", "the peer store did not answer its check"));
      JsonObject c = new JsonObject().put("clustered", core.cluster().clustered())
          .put("members", core.cluster().members().size());
      if (cluster.failed()) {
        failures.warn("ready-cluster", "readiness: the cluster check failed: {}", cluster.cause().toString());
        c.put("ok", false).put("error", "the cluster's partition state could not be read");
      } else {
        Boolean safe = cluster.result();
        c.put("ok", safe == null || safe);
        if (safe != null) {
          c.put("partitionsSafe", safe);
        }
      }
      checks.put("cluster", c);
      boolean up = true;
      for (String k : checks.fieldNames()) {
        up &= checks.getJsonObject(k).getBoolean("ok", false);
      }
      json(rc, up ? 200 : 503, new JsonObject().put("status", up ? "UP" : "DOWN").put("node", core.nodeId())
          .put("checks", checks));
    });
  }

  /** Starts draining the node that serves this request (only that one: drain nodes one by one). */
  private void drain(RoutingContext rc) {
    vertx.eventBus().<JsonObject>request(dev.vertdesk.events.Addresses.ADMIN_DRAIN, null,
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(options.broadcastTimeoutMillis()))
        .onComplete(ar -> {
          if (ar.failed()) {
            rc.fail(ar.cause());
          } else {
            json(rc, 200, ar.result().body().copy().put("node", core.nodeId()));
          }
        });
  }

  // ------------------------------------------------------------------ peers

  private void peers(RoutingContext rc) {
    String prefix = rc.queryParams().get("prefix") == null ? "" : rc.queryParams().get("prefix");
    boolean online = "true".equalsIgnoreCase(rc.queryParams().get("online"));
    int limit = intParam(rc, "limit", 100, 1, 10_000);
    vertx.executeBlocking(() -> core.registry().list(prefix, online, limit), false).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      JsonArray out = new JsonArray();
      ar.result().forEach(v -> out.add(peerJson(v)));
      json(rc, 200, new JsonObject().put("node", core.nodeId())
          .put("registered", core.registry().size()).put("online", core.registry().onlineCount())
          .put("peers", out));
    });
  }

  private void peer(RoutingContext rc) {
    String id = rc.pathParam("id");
    core.registry().lookup(id).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result() == null) {
        json(rc, 404, new JsonObject().put("error", "unknown ID: " + id));
      } else {
        json(rc, 200, peerJson(ar.result()));
      }
    });
  }

  private JsonObject peerJson(PeerView v) {
    JsonObject o = new JsonObject().put("id", v.id()).put("online", v.online())
        .put("lastRegMillis", v.lastRegMillis() == 0 ? null : v.lastRegMillis());
    if (v.endpoint() != null) {
      o.put("ip", v.endpoint().getAddress().getHostAddress()).put("port", v.endpoint().getPort());
    }
    o.put("pk", v.pk() == null || v.pk().length == 0 ? null : Base64.getEncoder().encodeToString(v.pk()));
    o.put("linkedHere", rendezvous.links().get(v.id()) != null);
    return o;
  }

  // ------------------------------------------------------------------ events

  /**
   * Event filter from the query: {@code type} (comma-separated; {@code relay.*} matches a
   * prefix), {@code id} (the event's {@code id} or {@code oldId}), {@code node}.
   */
  static Predicate<JsonObject> filter(String types, String id, String node) {
    List<String> wanted = new ArrayList<>();
    if (types != null) {
      for (String t : types.split(",")) {
        if (!t.isBlank()) {
          wanted.add(t.trim());
        }
      }
    }
    return e -> {
      if (!wanted.isEmpty()) {
        String type = e.getString("type", "");
        boolean match = false;
        for (String w : wanted) {
          match |= w.endsWith("*") ? type.startsWith(w.substring(0, w.length() - 1)) : type.equals(w);
        }
        if (!match) {
          return false;
        }
      }
      if (id != null && !id.isEmpty() && !id.equals(e.getValue("id")) && !id.equals(e.getValue("oldId"))) {
        return false;
      }
      return node == null || node.isEmpty() || node.equals(e.getValue("node"));
    };
  }

  private static Predicate<JsonObject> filter(RoutingContext rc) {
    return filter(rc.queryParams().get("type"), rc.queryParams().get("id"), rc.queryParams().get("node"));
  }

  private void recentEvents(RoutingContext rc) {
    List<JsonObject> events = node.history().recent(filter(rc), intParam(rc, "limit", 100, 1, EventHistory.RECENT_CAPACITY));
    json(rc, 200, new JsonObject().put("events", new JsonArray(new ArrayList<>(events))));
  }

  /** Server-Sent Events: one {@code event: <type>} / {@code data: <json>} block per event. */
  private void eventStream(RoutingContext rc) {
    Predicate<JsonObject> filter = filter(rc);
    int replay = intParam(rc, "replay", 0, 0, EventHistory.RECENT_CAPACITY);
    HttpServerResponse resp = rc.response();
    resp.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    resp.write(": vertdesk events\nretry: 3000\n\n");
    EventSink sink = new EventSink(resp);
    Context here = vertx.getOrCreateContext();
    EventHistory history = node.history();
    Set<JsonObject> replayed = Collections.newSetFromMap(new IdentityHashMap<>());
    // subscribe first: what arrives during the replay is queued on this context and sent after
    Runnable unsubscribe = history.subscribe(e -> here.runOnContext(v -> {
      if (!replayed.contains(e) && filter.test(e)) {
        sink.send(e);
      }
    }));
    for (JsonObject e : history.recent(filter, replay)) {
      replayed.add(e);
      sink.send(e);
    }
    long ping = vertx.setPeriodic(15_000, t -> sink.comment("ping"));
    Handler<Void> closed = v -> {
      unsubscribe.run();
      vertx.cancelTimer(ping);
      sink.closed = true;
    };
    resp.closeHandler(closed);
    resp.exceptionHandler(e -> closed.handle(null));
  }

  /** Writes to one SSE response, dropping (and counting) events while its write queue is full. */
  private static final class EventSink {
    final HttpServerResponse resp;
    long seq;
    long dropped;
    boolean closed;

    EventSink(HttpServerResponse resp) {
      this.resp = resp;
    }

    void send(JsonObject e) {
      if (closed) {
        return;
      }
      if (resp.writeQueueFull()) {
        dropped++;
        return;
      }
      StringBuilder sb = new StringBuilder();
      if (dropped > 0) {
        sb.append("event: dropped\ndata: ").append(new JsonObject().put("dropped", dropped).encode()).append("\n\n");
        dropped = 0;
      }
      sb.append("id: ").append(++seq).append('\n')
          .append("event: ").append(e.getString("type", "event")).append('\n')
          .append("data: ").append(e.encode()).append("\n\n");
      resp.write(sb.toString());
    }

    void comment(String text) {
      if (!closed && !resp.writeQueueFull()) {
        resp.write(": " + text + "\n\n");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private void broadcast(RoutingContext rc, String command, JsonObject args) {
    node.broadcast(command, args, options.broadcastTimeoutMillis()).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      JsonObject answer = ar.result();
      boolean anyOk = false;
      for (Object n : answer.getJsonArray("nodes")) {
        anyOk |= ((JsonObject) n).getBoolean("ok", false);
      }
      json(rc, anyOk ? 200 : 502, answer);
    });
  }

  /**
   * The request's body, which must be a JSON object.
   *
   * @throws IllegalArgumentException (a 400) for an empty body, any other JSON value or no JSON at all
   */
  static JsonObject body(RoutingContext rc) {
    return jsonObject(rc.body() == null ? null : rc.body().buffer(), true);
  }

  /** The body if there is one (a DELETE may carry its arguments in the query instead), else {}. */
  static JsonObject optionalBody(RoutingContext rc) {
    return jsonObject(rc.body() == null ? null : rc.body().buffer(), false);
  }

  static JsonObject jsonObject(Buffer body, boolean required) {
    if (body == null || body.length() == 0) {
      if (required) {
        throw new IllegalArgumentException("this request needs a JSON object as its body");
      }
      return new JsonObject();
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the body is not valid JSON");
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw new IllegalArgumentException("the body must be a JSON object, not " + (value == null ? "null"
        : value instanceof JsonArray ? "an array" : value instanceof String ? "a string"
        : value instanceof Boolean ? "a boolean" : "a number"));
  }

  /** true/false, or hbbs' {@code Y}/{@code N} (and yes/no, on/off, 1/0). */
  static Object yesNo(Object v) {
    if (v instanceof String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "y", "yes", "true", "on", "1" -> true;
        case "n", "no", "false", "off", "0" -> false;
        default -> s;
      };
    }
    return v;
  }

  private static int intParam(RoutingContext rc, String name, int def, int min, int max) {
    String v = rc.queryParams().get(name);
    if (v == null || v.isBlank()) {
      return def;
    }
    try {
      int i = Integer.parseInt(v.trim());
      if (i < min || i > max) {
        throw new IllegalArgumentException(name + " must be within " + min + ".." + max);
      }
      return i;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got " + v);
    }
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
