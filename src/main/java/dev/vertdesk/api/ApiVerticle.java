package dev.vertdesk.api;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.config.ApiOptions;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.AssignmentChanges;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.net.ClientAddress;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.HttpListener;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.NodeCore;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.HttpException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server (base port − 2, 21114): the calls a logged-in RustDesk client makes, the admin
 * REST API and the web console. Answers are JSON; errors are {@code {"error": "..."}} as the client
 * reads them, 4xx for anything the client got wrong, and a 5xx never says more than "internal
 * error". Bodies are limited in size and nesting before they are parsed.
 */
public final class ApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  /** Headers the client or a browser may send across origins. */
  private static final Set<String> CORS_HEADERS = Set.of("Authorization", "Content-Type");
  /** Where a request's authenticated caller is kept, for the console-operation log. */
  static final String PRINCIPAL = "vertdesk.principal";

  private final NodeCore core;
  private final ApiContext api;
  private final ApiOptions options;
  private final ConnectionLimiter limiter;
  private final RepeatedLog errors = new RepeatedLog(LOG, 60_000);
  private HttpServer server;

  public ApiVerticle(NodeCore core, ApiContext api, ApiOptions options, ConnectionLimiter limiter) {
    this.core = core;
    this.api = api;
    this.options = options;
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    String host = NetworkSupport.bindHost(options.host());
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(options.port())
        .setReuseAddress(true)
        .setCompressionSupported(true)
        .setIdleTimeout(120)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16_384));
    ConnectionLimiter.Listener connections = limiter.listener("api");
    HttpListener.admitEach(server, connections);
    server.requestHandler(router());
    return HttpListener.listen(core, server, connections, "api", host, options.port(), "")
        // requests tunnelled through the rendezvous port, from any node, once the port is up
        .compose(s -> vertx.eventBus().<JsonObject>consumer(Addresses.API_HTTP_PROXY, api.tunnel()::replay)
            .completion().map(s));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The routes of this verticle (package-private: the OpenAPI check compares them with the document). */
  Router router() {
    Router r = Router.router(vertx);
    r.route().handler(rc -> {
      rc.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Cache-Control", "no-store");
      rc.next();
    });
    if (!options.corsOrigins().isEmpty()) {
      CorsHandler cors = options.corsOrigins().contains("*") ? CorsHandler.create()
          : CorsHandler.create().addOrigins(options.corsOrigins());
      r.route("/api/*").handler(cors.allowedHeaders(CORS_HEADERS)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT,
              HttpMethod.PATCH, HttpMethod.DELETE)));
    }
    r.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(options.maxBodyBytes()));
    AuditRoutes audit = new AuditRoutes(this, api.audit());
    audit.watch(r);
    // the devices' calls first: heartbeats are the busiest route, matched before all others
    new DeviceRoutes(this, api.devices()).mount(r);
    r.get("/api/openapi.json").handler(rc -> send(rc, 200, api.openApi().json()));
    new AccountRoutes(this, api.accounts(), api.sso()).mount(r);
    new SsoRoutes(this, api.sso()).mount(r);
    new MailRoutes(this, api.accounts(), api.users(), api.invitations()).mount(r); // before the user routes
    new UserRoutes(this, api.users()).mount(r);
    new GroupRoutes(this, api.groups(), api.access(), new AssignmentChanges(vertx.eventBus())).mount(r);
    new TokenRoutes(this, api.tokens()).mount(r);
    new StrategyRoutes(this, api.strategies()).mount(r);
    new AddressBookRoutes(this, api.addressBooks()).mount(r);
    audit.mount(r);
    r.route("/api/*").handler(rc -> json(rc, 404, new JsonObject().put("error", "no such endpoint: "
        + rc.request().method() + " " + rc.request().path())));
    r.route().handler(rc -> json(rc, 404, new JsonObject().put("error", "not found")));
    r.route().failureHandler(this::failure);
    return r;
  }

  // ------------------------------------------------------------------ for the routes

  /** The request body as a JSON object (empty for no body); {@link ApiRequests.BadRequest} otherwise. */
  JsonObject body(RoutingContext rc) {
    return ApiRequests.object(rc, options.maxJsonDepth());
  }

  /**
   * A JSON object held in a string field (the legacy address book's {@code data}), within the
   * same nesting limit as a body; {@link ApiRequests.BadRequest} otherwise.
   */
  JsonObject jsonText(String text, String what) {
    io.vertx.core.buffer.Buffer b = io.vertx.core.buffer.Buffer.buffer(text);
    if (ApiRequests.depth(b) > options.maxJsonDepth()) {
      throw new ApiRequests.BadRequest(what + ": JSON nested deeper than " + options.maxJsonDepth() + " levels");
    }
    String t = text.strip();
    if (!t.startsWith("{")) {
      throw new ApiRequests.BadRequest(what + " must hold a JSON object");
    }
    try {
      return new JsonObject(b);
    } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
      throw new ApiRequests.BadRequest(what + " is not valid JSON");
    }
  }

  /** The caller's principal from its bearer token; fails UNAUTHORIZED. */
  Future<Principal> signedIn(RoutingContext rc) {
    return api.accounts().authenticate(ApiRequests.bearer(rc)).onSuccess(p -> rc.put(PRINCIPAL, p));
  }

  /** The request body as a JSON array (Pro's batch calls); {@link ApiRequests.BadRequest} otherwise. */
  JsonArray bodyArray(RoutingContext rc) {
    return AdminRequests.array(rc, options.maxJsonDepth());
  }

  /** The caller, when it may act as an admin in {@code scope} ({@link Scopes#allows}); fails 401 or 403. */
  Future<Principal> admin(RoutingContext rc, String scope) {
    return signedIn(rc).compose(p -> Scopes.allows(p, scope) ? Future.succeededFuture(p)
        : Future.failedFuture(forbidden(p, scope)));
  }

  /** The 403 of a caller who may not act as an admin in {@code scope}. */
  static AccountException forbidden(Principal p, String scope) {
    return new AccountException(AccountException.Kind.FORBIDDEN, Principal.API.equals(p.kind()) && p.admin()
        ? "this API token lacks the " + scope + " scope" : "Admin required!");
  }

  /**
   * The client's address: behind a trusted proxy the one it forwarded; for a request tunnelled
   * through the rendezvous port, the address signaling saw.
   */
  String clientIp(RoutingContext rc) {
    Optional<String> tunnelled = api.tunnel().clientOf(rc.request());
    if (tunnelled.isPresent()) {
      return tunnelled.get();
    }
    InetSocketAddress peer = new InetSocketAddress(rc.request().remoteAddress().hostAddress(),
        rc.request().remoteAddress().port());
    return ClientAddress.resolve(peer, rc.request().headers(), core.config().server().trustedProxies())
        .getAddress().getHostAddress();
  }

  /** Answers 200 with the future's JSON, or the failure. */
  void json(RoutingContext rc, Future<?> answer) {
    answer.onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result() instanceof JsonArray a) {
        send(rc, 200, a.encode());
      } else {
        send(rc, 200, ((JsonObject) ar.result()).encode());
      }
    });
  }

  /** Answers 200 with an empty body (what the client's action calls expect), or the failure. */
  void empty(RoutingContext rc, Future<?> done) {
    done.onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (!rc.response().ended()) {
        rc.response().setStatusCode(200).end();
      }
    });
  }

  void json(RoutingContext rc, int status, JsonObject body) {
    send(rc, status, body.encode());
  }

  private static void send(RoutingContext rc, int status, String body) {
    if (!rc.response().ended()) {
      rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }
  }

  private void failure(RoutingContext rc) {
    Throwable t = rc.failure();
    int status;
    String message;
    if (t instanceof AccountException e) {
      status = e.kind().status();
      message = e.getMessage();
    } else if (t instanceof ApiRequests.BadRequest e) {
      status = 400;
      message = e.getMessage();
    } else if (t instanceof HttpException e && e.getStatusCode() >= 400 && e.getStatusCode() < 500) {
      status = e.getStatusCode(); // vert.x-web's own refusals, e.g. a query string that is not URL encoding
      message = "HTTP " + status + ": " + HttpResponseStatus.valueOf(status).reasonPhrase();
    } else if (rc.statusCode() >= 400 && rc.statusCode() < 500) {
      // vert.x-web's own 4xx: 413 from the body limit, 400 from a form its decoder refused (a
      // field too long, too many fields), which comes with the decoder's exception
      status = rc.statusCode();
      message = status == 413 ? "the body is larger than " + options.maxBodyBytes() + " bytes" : "HTTP " + status;
    } else {
      status = 500;
      message = "internal error";
      errors.error("api-" + (t == null ? "status" : t.getClass().getSimpleName()), "api {} {} failed: {}",
          rc.request().method(), rc.request().path(), t == null ? "status " + rc.statusCode() : t.toString());
    }
    if (rc.response().headWritten()) {
      rc.response().reset();
    } else {
      json(rc, status, new JsonObject().put("error", message));
    }
  }
}
