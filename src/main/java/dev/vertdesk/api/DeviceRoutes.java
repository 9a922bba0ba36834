package dev.vertdesk.api;

import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.devices.DeviceQuery;
import dev.vertdesk.devices.DeviceService;
import dev.vertdesk.devices.DeviceService.DeployResult;
import dev.vertdesk.devices.HeartbeatAnswer;
import dev.vertdesk.devices.Sysinfo;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Devices: the calls a device makes by itself (heartbeat and sysinfo: no token, the device is
 * known by its ID and uuid), the calls the client binary makes with an admin's API token
 * ({@code rustdesk --deploy}, {@code rustdesk --assign}), and the admin's inventory, compatible
 * with RustDesk Server Pro's ({@code rustdesk/rustdesk: res/devices.py}).
 */
final class DeviceRoutes {

  /** The API-token scope of every device route that needs one. */
  static final String SCOPE = "devices";
  static final int MAX_PAGE_SIZE = 1000;
  static final int MAX_FILTER = 256;
  static final int MAX_CONNS = 1024;

  private final ApiVerticle api;
  private final DeviceService devices;

  DeviceRoutes(ApiVerticle api, DeviceService devices) {
    this.api = api;
    this.devices = devices;
  }

  void mount(Router r) {
    r.post("/api/heartbeat").handler(this::heartbeat);
    r.post("/api/sysinfo").handler(this::sysinfo);
    r.post("/api/devices/deploy").handler(this::deploy);
    r.post("/api/devices/cli").handler(this::cli);
    r.get("/api/devices").handler(this::list);
    r.get("/api/peers").handler(this::accessible);
    r.post("/api/devices/:guid/enable").handler(rc ->
        api.empty(rc, admin(rc).compose(p -> devices.setEnabled(guid(rc), true))));
    r.post("/api/devices/:guid/disable").handler(rc ->
        api.empty(rc, admin(rc).compose(p -> devices.setEnabled(guid(rc), false))));
    r.delete("/api/devices/:guid").handler(rc -> api.empty(rc, admin(rc).compose(p -> devices.delete(guid(rc)))));
    r.post("/api/devices/:guid/disconnect").handler(rc -> api.empty(rc, admin(rc).compose(p ->
        devices.disconnect(guid(rc), disconnectConns(api.body(rc))))));
    r.post("/api/devices/:guid/assign").handler(rc -> api.empty(rc, admin(rc).compose(p -> {
      JsonObject b = api.body(rc);
      // an empty (or null) value clears the assignment
      return devices.assign(guid(rc), required(b, "type", 64), text(b, "value", 4096));
    })));
  }

  // ------------------------------------------------------------------ the device's own calls

  /** {@code {id, uuid, ver, conns?, modified_at}} (rustdesk/rustdesk: src/hbbs_http/sync.rs). */
  private void heartbeat(RoutingContext rc) {
    JsonObject b = api.body(rc);
    String id = required(b, "id", 100);
    byte[] uuid = uuid(b);
    number(b, "ver");
    long modifiedAt = number(b, "modified_at");
    int[] conns = conns(b);
    api.json(rc, devices.heartbeat(id, uuid, conns, modifiedAt).map(HeartbeatAnswer::toJson));
  }

  /** Plain text answers, compared literally by the client: SYSINFO_UPDATED or ID_NOT_FOUND. */
  private void sysinfo(RoutingContext rc) {
    JsonObject b = api.body(rc);
    String id = required(b, "id", 100);
    byte[] uuid = uuid(b);
    Map<String, String> presets = new LinkedHashMap<>();
    for (String key : Sysinfo.PRESET_KEYS) {
      String v = text(b, key, 1024);
      if (!v.isEmpty()) {
        presets.put(key, v);
      }
    }
    Sysinfo info = new Sysinfo(text(b, "hostname", 256), text(b, "os", 512), text(b, "cpu", 512),
        text(b, "memory", 64), text(b, "username", 256), text(b, "version", 64), presets);
    devices.sysinfo(id, uuid, info).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (!rc.response().ended()) {
        rc.response().setStatusCode(200).putHeader("Content-Type", "text/plain; charset=utf-8")
            .end(ar.result() ? "SYSINFO_UPDATED" : "ID_NOT_FOUND");
      }
    });
  }

  // ------------------------------------------------------------------ API token calls of the client binary

  /**
   * {@code {id, uuid, pk}} with an API token; answers {@code {"result"}}, which is all the client
   * reads (src/ui_interface.rs {@code deploy_device}); refusals carry an {@code error} too.
   */
  private void deploy(RoutingContext rc) {
    apiToken(rc).compose(p -> {
      JsonObject b = api.body(rc);
      return devices.deploy(loose(b, "id"), loose(b, "uuid"), loose(b, "pk"));
    }).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
        return;
      }
      DeployResult result = ar.result();
      JsonObject answer = new JsonObject().put("result", result.name());
      switch (result) {
        case OK -> api.json(rc, 200, answer);
        case INVALID_INPUT -> api.json(rc, 400, answer.put("error",
            "expected an ID of 6 to 100 bytes, a base64 uuid and a base64 Ed25519 public key"));
        case ID_TAKEN -> api.json(rc, 409, answer.put("error", "the ID is registered by another machine"));
      }
    });
  }

  /**
   * {@code {id, uuid, <assignments>}} with an API token ({@code rustdesk --assign}, src/core_main.rs):
   * an empty answer prints "Done!"; an error is printed as it comes.
   */
  private void cli(RoutingContext rc) {
    api.empty(rc, apiToken(rc).compose(p -> {
      JsonObject b = api.body(rc);
      String id = required(b, "id", 100);
      String uuid = required(b, "uuid", 2048);
      Map<String, String> fields = new LinkedHashMap<>();
      for (String key : b.fieldNames()) {
        if (!key.equals("id") && !key.equals("uuid")) {
          fields.put(key, text(b, key, 4096));
        }
      }
      return devices.assignByDevice(id, uuid, fields);
    }));
  }

  // ------------------------------------------------------------------ the admin's inventory

  /** {@code ?current&pageSize&id&device_name&user_name&group_name&device_group_name} → {@code {total, data}}. */
  private void list(RoutingContext rc) {
    api.json(rc, admin(rc).compose(p -> {
      MultiMap q = rc.queryParams();
      return devices.list(new DeviceQuery(filter(q, "id"), filter(q, "device_name"), filter(q, "user_name"),
          filter(q, "group_name"), filter(q, "device_group_name"), positive(q, "current", 1, Integer.MAX_VALUE),
          positive(q, "pageSize", 100, MAX_PAGE_SIZE)));
    }));
  }

  /**
   * The client's "accessible devices" ({@code ?current&pageSize&accessible&status}): every device
   * for an admin; for anyone else signed in, with {@code accessible} as the client sends it, their
   * own devices and those of their user group's members.
   */
  private void accessible(RoutingContext rc) {
    api.json(rc, api.signedIn(rc).compose(p -> {
      dev.vertdesk.db.Page page = AdminRequests.page(rc);
      Integer status = AdminRequests.optionalInt(rc, "status", 0, 1);
      if (dev.vertdesk.accounts.Scopes.allows(p, SCOPE)) {
        return devices.accessible(null, status, page);
      }
      if (AdminRequests.has(rc, "accessible")) {
        return devices.accessible(p.user().guid(), status, page);
      }
      return Future.failedFuture(ApiVerticle.forbidden(p, SCOPE));
    }));
  }

  /** A session of an admin, or an API token with the devices scope; else FORBIDDEN. */
  private Future<Principal> admin(RoutingContext rc) {
    return api.signedIn(rc).compose(p -> {
      boolean token = Principal.API.equals(p.kind());
      if (token ? p.scopes().contains(SCOPE) : p.admin()) {
        return Future.succeededFuture(p);
      }
      return Future.failedFuture(new AccountException(Kind.FORBIDDEN,
          token ? "this API token lacks the " + SCOPE + " scope" : "Admin required!"));
    });
  }

  /** An API token with the devices scope (what {@code --deploy} and {@code --assign} are given). */
  private Future<Principal> apiToken(RoutingContext rc) {
    return admin(rc).compose(p -> Principal.API.equals(p.kind()) ? Future.succeededFuture(p)
        : Future.failedFuture(new AccountException(Kind.FORBIDDEN, "an API token with the " + SCOPE
            + " scope is needed, not a user's login")));
  }

  // ------------------------------------------------------------------ reading requests

  private static String guid(RoutingContext rc) {
    String guid = rc.pathParam("guid");
    if (guid == null || guid.length() > 64) {
      throw new AccountException(Kind.NOT_FOUND, "no such device");
    }
    return guid;
  }

  private static String required(JsonObject b, String key, int max) {
    String v = text(b, key, max);
    if (v.isEmpty()) {
      throw new ApiRequests.BadRequest(key + " is required");
    }
    return v;
  }

  private static byte[] uuid(JsonObject b) {
    byte[] uuid = DeviceService.uuidBytes(required(b, "uuid", 2048));
    if (uuid == null) {
      throw new ApiRequests.BadRequest("uuid must be base64");
    }
    return uuid;
  }

  /**
   * A number field, when present (the client's {@code ver} and {@code modified_at}, an i64); 0
   * when absent. A fraction or a number beyond 64 bits counts as no version the server gave.
   */
  private static long number(JsonObject b, String key) {
    Object v = b.getValue(key);
    if (v != null && !(v instanceof Number)) {
      throw new ApiRequests.BadRequest(key + " must be a number");
    }
    return v instanceof Integer || v instanceof Long ? ((Number) v).longValue() : v == null ? 0 : -1;
  }

  /** {@code {"conns": [connection ids]}} to end some, an empty body (or no conns) to end all. */
  private static int[] disconnectConns(JsonObject b) {
    if (b.getValue("conns") == null) {
      return null;
    }
    int[] conns = conns(b);
    if (conns.length == 0) {
      throw new ApiRequests.BadRequest("conns must name at least one connection id; send none to end every session");
    }
    return conns;
  }

  /** The connection ids: 32-bit integers, absent when there are none. */
  private static int[] conns(JsonObject b) {
    Object v = b.getValue("conns");
    if (v == null) {
      return new int[0];
    }
    if (!(v instanceof JsonArray a) || a.size() > MAX_CONNS) {
      throw new ApiRequests.BadRequest("conns must be an array of no more than " + MAX_CONNS + " connection ids");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      Object c = a.getValue(i);
      if (!(c instanceof Integer n)) {
        throw new ApiRequests.BadRequest("conns must hold 32-bit integers");
      }
      out[i] = n;
    }
    return out;
  }

  /** A string field for deploy, whose wrong input is answered INVALID_INPUT rather than refused. */
  private static String loose(JsonObject b, String key) {
    return b.getValue(key) instanceof String s && s.length() <= 4096 ? s : "";
  }

  private static String filter(MultiMap q, String key) {
    String v = q.get(key);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.length() > MAX_FILTER) {
      throw new ApiRequests.BadRequest(key + " is longer than " + MAX_FILTER + " characters");
    }
    return v;
  }

  private static int positive(MultiMap q, String key, int def, int max) {
    String v = q.get(key);
    if (v == null || v.isEmpty()) {
      return def;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiRequests.BadRequest(key + " must be a whole number from 1 to " + max);
  }
}
