package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.api.ApiRequests.BadRequest;
import dev.vertdesk.strategy.StrategyAdmin;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Pro's strategies ({@code rustdesk/rustdesk: res/strategies.py}): named sets of client options
 * that devices receive with their heartbeat, assigned to devices, users and device groups. Every
 * call needs an admin's session or an API token with the {@code strategies} scope.
 */
final class StrategyRoutes {

  private final ApiVerticle api;
  private final StrategyAdmin strategies;

  StrategyRoutes(ApiVerticle api, StrategyAdmin strategies) {
    this.api = api;
    this.strategies = strategies;
  }

  void mount(Router r) {
    r.get("/api/strategies").handler(rc -> api.json(rc, api.admin(rc, Scopes.STRATEGIES).compose(p ->
        strategies.list())));
    r.post("/api/strategies").handler(rc -> api.json(rc, api.admin(rc, Scopes.STRATEGIES).compose(p -> {
      JsonObject b = api.body(rc);
      JsonObject options = options(b);
      return strategies.create(text(b, "name", 1024), text(b, "note", 4096), options == null ? new JsonObject() : options);
    })));
    r.post("/api/strategies/assign").handler(rc -> api.empty(rc, api.admin(rc, Scopes.STRATEGIES).compose(p -> {
      JsonObject b = api.body(rc);
      String strategy = optionalText(b, "strategy", AdminRequests.MAX_KEY);
      List<String> peers = guids(b, "peers");
      List<String> users = guids(b, "users");
      List<String> groups = guids(b, "groups");
      if (peers.size() + users.size() + groups.size() > AdminRequests.MAX_ITEMS) {
        throw new BadRequest("one call assigns at most " + AdminRequests.MAX_ITEMS + " devices, users and groups");
      }
      return strategies.assign(strategy == null || strategy.isEmpty() ? null : strategy, peers, users, groups);
    })));
    r.get("/api/strategies/:guid").handler(rc -> api.json(rc, api.admin(rc, Scopes.STRATEGIES).compose(p ->
        strategies.get(pathKey(rc, "guid")))));
    r.patch("/api/strategies/:guid").handler(rc -> api.json(rc, api.admin(rc, Scopes.STRATEGIES).compose(p -> {
      JsonObject b = api.body(rc);
      return strategies.update(pathKey(rc, "guid"), optionalText(b, "name", 1024), optionalText(b, "note", 4096),
          options(b));
    })));
    r.put("/api/strategies/:guid/status").handler(rc -> api.empty(rc, api.admin(rc, Scopes.STRATEGIES).compose(p ->
        strategies.setEnabled(pathKey(rc, "guid"), status(rc)))));
    r.delete("/api/strategies/:guid").handler(rc -> api.empty(rc, api.admin(rc, Scopes.STRATEGIES).compose(p ->
        strategies.delete(pathKey(rc, "guid")))));
  }

  /** The {@code options} object, {@code null} when absent. */
  private static JsonObject options(JsonObject b) {
    Object v = b.getValue("options");
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw new BadRequest("options must be an object of option names to string values");
    }
    return o;
  }

  /** A list of guids, empty when absent (the script always sends all three). */
  private static List<String> guids(JsonObject b, String key) {
    JsonArray a = AdminRequests.arrayField(b, key);
    return a == null || a.isEmpty() ? List.of() : AdminRequests.keys(a, key);
  }

  /** The body of {@code PUT .../status}: a bare {@code true} or {@code false}, as the script sends it. */
  private static boolean status(RoutingContext rc) {
    Buffer body = rc.body() == null ? null : rc.body().buffer();
    String text = body == null ? "" : body.toString().strip();
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new BadRequest("the body must be true or false");
    };
  }
}
