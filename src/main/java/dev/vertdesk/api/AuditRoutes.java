package dev.vertdesk.api;

import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.audit.AuditKind;
import dev.vertdesk.audit.AuditQuery;
import dev.vertdesk.audit.AuditRecords;
import dev.vertdesk.audit.AuditRecords.ConnEvent;
import dev.vertdesk.audit.AuditService;
import dev.vertdesk.audit.AuditTime;
import dev.vertdesk.audit.ConsoleLog;
import dev.vertdesk.audit.ConsoleOperation;
import dev.vertdesk.audit.Csv;
import dev.vertdesk.audit.SessionId;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit: the records a controlled device posts about its connections, file transfers and alarms
 * (rustdesk/rustdesk: src/server/connection.rs; answered 200 with an exactly empty body, which
 * is the client's only success), the controlling side's guid and note
 * (flutter/lib/models/model.dart, flutter/lib/common/widgets/dialog.dart, src/ui_session_interface.rs),
 * the admin listings of Pro's scripts (rustdesk/rustdesk: res/audits.py) with a CSV export, and the
 * console-operation log of every admin change.
 */
final class AuditRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(AuditRoutes.class);
  static final int MAX_INFO = 65_536;
  static final int MAX_NOTE = 4096;
  private static final Set<HttpMethod> CHANGES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private final ApiVerticle api;
  private final AuditService audit;

  AuditRoutes(ApiVerticle api, AuditService audit) {
    this.api = api;
    this.audit = audit;
  }

  /**
   * Records every admin change that succeeds, after its answer, with the operation its route is
   * known by ({@link ConsoleOperation}); mounted before the routes it watches.
   */
  void watch(Router r) {
    r.route("/api/*").handler(rc -> {
      if (CHANGES.contains(rc.request().method())) {
        rc.addBodyEndHandler(v -> changed(rc));
      }
      rc.next();
    });
  }

  void mount(Router r) {
    r.post("/api/audit/conn").handler(this::conn);
    r.post("/api/audit/file").handler(rc -> api.empty(rc, audit.records().file(filePost(api.body(rc)))));
    r.post("/api/audit/alarm").handler(rc -> api.empty(rc, audit.records().alarm(alarmPost(api.body(rc)))));
    r.get("/api/audit/conn/active").handler(this::active);
    r.put("/api/audit").handler(this::note);
    r.get("/api/audits/:kind").handler(this::list);
  }

  // ------------------------------------------------------------------ the devices' posts

  /** The controlled side's records, or the controlling side's note ({@code {id, session_id, note}}). */
  private void conn(RoutingContext rc) {
    JsonObject b = api.body(rc);
    if (b.containsKey("note") && !b.containsKey("conn_id")) {
      api.empty(rc, audit.records().sessionNote(required(b, "id", 100), sessionId(b.getValue("session_id")),
          text(b, "note", MAX_NOTE)));
      return;
    }
    String action = text(b, "action", 32);
    ConnEvent event = switch (action) {
      case "new" -> ConnEvent.OPENED;
      case "close" -> ConnEvent.CLOSED;
      case "" -> ConnEvent.AUTHORIZED;
      default -> throw new ApiRequests.BadRequest("action must be \"new\" or \"close\", or absent");
    };
    String peerId = "";
    String peerName = "";
    JsonArray peer = AdminRequests.arrayField(b, "peer");
    if (peer != null) {
      if (peer.size() != 2 || !(peer.getValue(0) instanceof String id) || !(peer.getValue(1) instanceof String name)
          || id.length() > 100 || name.length() > 256) {
        throw new ApiRequests.BadRequest("peer must be [id, name]");
      }
      peerId = id;
      peerName = name;
    }
    AuditRecords.ConnPost post = new AuditRecords.ConnPost(event, required(b, "id", 100), text(b, "uuid", 2048),
        connId(b), sessionId(b.getValue("session_id")), text(b, "nonce", 100), text(b, "ip", 100),
        text(b, "conn_audit_ref", 256), peerId, peerName,
        AdminRequests.integer(b, "type", event == ConnEvent.AUTHORIZED ? 0 : -1, 0, 4),
        AdminRequests.integer(b, "primary_auth", 0, 0, 100), AdminRequests.integer(b, "two_factor", 0, 0, 100));
    api.empty(rc, audit.records().conn(post));
  }

  private static AuditRecords.FilePost filePost(JsonObject b) {
    return new AuditRecords.FilePost(required(b, "id", 100), text(b, "uuid", 2048), text(b, "peer_id", 100),
        connId(b), AdminRequests.integer(b, "type", 0, 0, 1), text(b, "path", 4096), ApiRequests.bool(b, "is_file", false),
        text(b, "info", MAX_INFO), text(b, "nonce", 100));
  }

  private static AuditRecords.AlarmPost alarmPost(JsonObject b) {
    return new AuditRecords.AlarmPost(required(b, "id", 100), text(b, "uuid", 2048),
        AdminRequests.integer(b, "typ", 0, 0, 1000), text(b, "info", MAX_INFO), connId(b), text(b, "nonce", 100),
        text(b, "conn_audit_ref", 256));
  }

  // ------------------------------------------------------------------ the controlling side

  /** The guid of the record of a connection the caller makes, as a JSON string. */
  private void active(RoutingContext rc) {
    api.signedIn(rc).compose(p -> {
      String id = AdminRequests.query(rc, "id");
      String session = AdminRequests.query(rc, "session_id");
      if (id == null || id.length() > 100 || session == null) {
        throw new ApiRequests.BadRequest("id and session_id are required");
      }
      int connType = AdminRequests.intParam(rc, "conn_type", -1, 0, 4);
      return audit.records().active(id, sessionId(session), connType, p.user().guid());
    }).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (!rc.response().ended()) {
        rc.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(Json.encode(ar.result()));
      }
    });
  }

  /** {@code {guid, note}}: the note at the end of the session. */
  private void note(RoutingContext rc) {
    api.empty(rc, api.signedIn(rc).compose(p -> {
      JsonObject b = api.body(rc);
      String guid = required(b, "guid", 64);
      return audit.records().setNote(guid, text(b, "note", MAX_NOTE), p.user().guid(), Scopes.allows(p, Scopes.AUDIT))
          .compose(done -> done ? Future.succeededFuture()
              : Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no such connection record")));
    }));
  }

  // ------------------------------------------------------------------ the admin's listings

  /** {@code ?current&pageSize&created_at&created_before&<filters>[&format=csv]}. */
  private void list(RoutingContext rc) {
    Future<AuditQuery> checked = api.admin(rc, Scopes.AUDIT).map(p -> query(rc));
    String format = AdminRequests.query(rc, "format");
    if (format == null || format.equals("json")) {
      api.json(rc, checked.compose(q -> audit.listings().page(q, AdminRequests.page(rc))));
    } else if (format.equals("csv")) {
      checked.onComplete(ar -> {
        if (ar.failed()) {
          rc.fail(ar.cause());
        } else {
          csv(rc, ar.result());
        }
      });
    } else {
      throw new ApiRequests.BadRequest("format must be json or csv");
    }
  }

  private static AuditQuery query(RoutingContext rc) {
    AuditKind kind = AuditKind.named(rc.pathParam("kind"));
    if (kind == null) {
      throw new AccountException(Kind.NOT_FOUND, "audit records are conn, file, alarm, console or login");
    }
    Map<String, String> filters = new HashMap<>();
    for (String name : kind.filters().keySet()) {
      String v = AdminRequests.query(rc, name);
      if (v != null) {
        filters.put(name, v);
      }
    }
    try {
      return new AuditQuery(kind, time(rc, "created_at"), time(rc, "created_before"), filters).checked();
    } catch (IllegalArgumentException e) {
      throw new ApiRequests.BadRequest(e.getMessage());
    }
  }

  private static long time(RoutingContext rc, String name) {
    String v = AdminRequests.query(rc, name);
    if (v == null) {
      return 0;
    }
    try {
      return Math.max(1, AuditTime.parse(v));
    } catch (IllegalArgumentException e) {
      throw new ApiRequests.BadRequest(name + ": " + e.getMessage());
    }
  }

  /**
   * The whole listing as CSV, streamed: a chunk is read from the database once the one before
   * has been written out (its write completed, over HTTP/1.1 and HTTP/2 alike), so a listing of
   * any size holds one chunk.
   */
  private void csv(RoutingContext rc, AuditQuery q) {
    HttpServerResponse res = rc.response();
    List<String> columns = q.kind().csvColumns();
    res.setChunked(true).setStatusCode(200).putHeader("Content-Type", "text/csv; charset=utf-8")
        .putHeader("Content-Disposition", "attachment; filename=\"audit-" + q.kind().pathName() + ".csv\"");
    res.write(Csv.header(columns))
        .compose(v -> audit.listings().each(q, items -> {
          StringBuilder chunk = new StringBuilder(items.size() * 160);
          items.forEach(item -> chunk.append(Csv.row(columns, item)));
          return res.write(chunk.toString()); // fails once the client has gone
        }))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            res.end();
          } else {
            if (!res.closed()) {
              LOG.warn("audit CSV export of {} failed: {}", q.kind().pathName(), ar.cause().toString());
            }
            res.reset(); // the header is out: a cut connection is the only way to say it failed
          }
        });
  }

  // ------------------------------------------------------------------ the console-operation log

  private void changed(RoutingContext rc) {
    int status = rc.response().getStatusCode();
    Route route = rc.currentRoute();
    Principal p = rc.get(ApiVerticle.PRINCIPAL);
    if (status < 200 || status >= 300 || route == null || route.getPath() == null || p == null) {
      return;
    }
    ConsoleOperation op = ConsoleOperation.of(rc.request().method().name(), route.getPath());
    if (op == null) {
      return;
    }
    ConsoleLog.Operator who = new ConsoleLog.Operator(p.user().name(), p.user().guid(), p.kind());
    String ip;
    try {
      ip = api.clientIp(rc);
    } catch (RuntimeException e) {
      ip = "";
    }
    audit.console().record(op, who, ip, target(rc), detail(rc))
        .onFailure(e -> LOG.warn("console operation {} by {} not recorded: {}", op.name(), who.name(), e.toString()));
  }

  /** What the change was made to: the path's guid, else the name or ID the body gave. */
  private static String target(RoutingContext rc) {
    for (String name : new String[] {"guid", "id"}) {
      String v = rc.pathParam(name);
      if (v != null) {
        return v;
      }
    }
    Object body = parsed(rc);
    if (body instanceof JsonObject o) {
      for (String key : new String[] {"name", "id"}) {
        if (o.getValue(key) instanceof String s) {
          return s;
        }
      }
    }
    return "";
  }

  /** The body's field names (never their values: passwords go there), or the items of an array body. */
  private static String detail(RoutingContext rc) {
    Object body = parsed(rc);
    if (body instanceof JsonObject o) {
      return String.join(",", new TreeSet<>(o.fieldNames()));
    }
    if (body instanceof JsonArray a) {
      StringBuilder b = new StringBuilder();
      for (Object item : a) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(item);
        if (b.length() > 1024) {
          break;
        }
      }
      return b.toString();
    }
    return "";
  }

  /** The body the route accepted (it succeeded), or null. */
  private static Object parsed(RoutingContext rc) {
    if (rc.body() == null || rc.body().buffer() == null || rc.body().length() == 0) {
      return null;
    }
    try {
      return Json.decodeValue(rc.body().buffer());
    } catch (RuntimeException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ reading requests

  private static String required(JsonObject b, String key, int max) {
    String v = text(b, key, max);
    if (v.isEmpty()) {
      throw new ApiRequests.BadRequest(key + " is required");
    }
    return v;
  }

  private static int connId(JsonObject b) {
    return AdminRequests.integer(b, "conn_id", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  private static String sessionId(Object v) {
    try {
      String s = SessionId.parse(v);
      if (s == null) {
        throw new ApiRequests.BadRequest("session_id is required");
      }
      return s;
    } catch (IllegalArgumentException e) {
      throw new ApiRequests.BadRequest(e.getMessage());
    }
  }
}
