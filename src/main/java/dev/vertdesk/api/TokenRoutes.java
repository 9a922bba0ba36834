package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.ApiTokens;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.api.ApiRequests.BadRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * API tokens: created, listed and revoked by an admin's session only (not with an API token,
 * whatever its scopes: a leaked token cannot mint others).
 */
final class TokenRoutes {

  private final ApiVerticle api;
  private final ApiTokens tokens;

  TokenRoutes(ApiVerticle api, ApiTokens tokens) {
    this.api = api;
    this.tokens = tokens;
  }

  void mount(Router r) {
    r.post("/api/tokens").handler(rc -> api.json(rc, adminSession(rc).compose(p -> {
      JsonObject b = api.body(rc);
      return tokens.create(p.user(), text(b, "name", 1024), scopes(b.getValue("scopes")),
          AdminRequests.integer(b, "expires_in_days", -1, 1, ApiTokens.MAX_DAYS));
    })));
    r.get("/api/tokens").handler(rc -> api.json(rc, adminSession(rc).compose(p ->
        tokens.list(AdminRequests.page(rc)))));
    r.delete("/api/tokens/:id").handler(rc -> api.empty(rc, adminSession(rc).compose(p ->
        tokens.delete(pathKey(rc, "id")))));
  }

  private Future<Principal> adminSession(RoutingContext rc) {
    return api.signedIn(rc).compose(p -> {
      if (!Principal.SESSION.equals(p.kind())) {
        return Future.failedFuture(new AccountException(AccountException.Kind.FORBIDDEN,
            "API tokens are managed from an admin's session, not with an API token"));
      }
      return p.admin() ? Future.succeededFuture(p)
          : Future.failedFuture(new AccountException(AccountException.Kind.FORBIDDEN, "Admin required!"));
    });
  }

  /** A JSON array of scope names, or one comma-separated string. */
  private static Set<String> scopes(Object v) {
    Set<String> out = new LinkedHashSet<>();
    if (v instanceof String s && s.length() <= 1024) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.strip());
        }
      }
      return out;
    }
    if (v instanceof JsonArray a && a.size() <= 64) {
      for (Object o : a) {
        if (!(o instanceof String s) || s.length() > 64) {
          throw new BadRequest("scopes must be an array of scope names");
        }
        out.add(s);
      }
      return out;
    }
    throw new BadRequest("scopes must be an array of scope names");
  }
}
