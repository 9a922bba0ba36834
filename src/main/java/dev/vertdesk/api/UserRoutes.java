package dev.vertdesk.api;

import static dev.vertdesk.api.AdminRequests.optionalBool;
import static dev.vertdesk.api.AdminRequests.optionalText;
import static dev.vertdesk.api.AdminRequests.pathKey;
import static dev.vertdesk.api.ApiRequests.bool;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Pro's user administration ({@code rustdesk/rustdesk: res/users.py}) and the client's list of
 * accessible users ({@code flutter/lib/models/group_model.dart}). Admin calls need an admin's
 * session or an API token with the {@code users} scope.
 */
final class UserRoutes {

  private final ApiVerticle api;
  private final UserAdmin users;

  UserRoutes(ApiVerticle api, UserAdmin users) {
    this.api = api;
    this.users = users;
  }

  void mount(Router r) {
    r.get("/api/users").handler(this::list);
    r.post("/api/users").handler(rc ->
        api.json(rc, api.admin(rc, Scopes.USERS).compose(p -> users.create(newUser(api.body(rc))))));
    // before /api/users/:guid, which would take these names for guids
    r.post("/api/users/force-logout").handler(rc ->
        api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.forceLogout(guids(api.body(rc))))));
    r.put("/api/users/disable_login_verification").handler(this::resetVerification);
    r.post("/api/users/:guid/enable").handler(rc ->
        api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.enable(pathKey(rc, "guid")))));
    r.post("/api/users/:guid/disable").handler(rc ->
        api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.disable(pathKey(rc, "guid")))));
    r.put("/api/users/:guid").handler(rc ->
        api.json(rc, api.admin(rc, Scopes.USERS).compose(p -> users.update(pathKey(rc, "guid"), changes(api.body(rc))))));
    r.delete("/api/users/:guid").handler(rc ->
        api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.delete(pathKey(rc, "guid")))));
  }

  /**
   * Everyone for an admin; for anyone else signed in, with {@code accessible} in the query as the
   * client sends it, themselves and their group's members. Requests are read once the caller is
   * known, so that nobody learns anything without a valid token.
   */
  private void list(RoutingContext rc) {
    api.json(rc, api.signedIn(rc).compose(p -> {
      Page page = AdminRequests.page(rc);
      UserAdmin.Filter filter = new UserAdmin.Filter(AdminRequests.query(rc, "name"),
          AdminRequests.query(rc, "group_name"), AdminRequests.optionalInt(rc, "status", User.UNVERIFIED, User.NORMAL));
      if (Scopes.allows(p, Scopes.USERS)) {
        return users.list(filter, page, null);
      }
      if (AdminRequests.has(rc, "accessible")) {
        return users.list(filter, page, p.user().guid());
      }
      return Future.failedFuture(ApiVerticle.forbidden(p, Scopes.USERS));
    }));
  }

  private static UserAdmin.NewUser newUser(JsonObject b) {
    return new UserAdmin.NewUser(text(b, "name", 1024), text(b, "password", Argon2id.MAX_PASSWORD_BYTES),
        text(b, "display_name", 1024), text(b, "email", 1024), text(b, "note", 4096), bool(b, "is_admin", false),
        text(b, "group_name", 1024));
  }

  private static UserAdmin.Changes changes(JsonObject b) {
    return new UserAdmin.Changes(optionalText(b, "name", 1024), optionalText(b, "display_name", 1024),
        optionalText(b, "email", 1024), optionalText(b, "note", 4096), optionalBool(b, "is_admin"),
        optionalText(b, "password", Argon2id.MAX_PASSWORD_BYTES), optionalText(b, "group_name", 1024));
  }

  /**
   * Pro's reset of login verification: {@code type} "2fa" removes the users' TOTP and backup codes,
   * "email" turns their e-mail login check off.
   */
  private void resetVerification(RoutingContext rc) {
    api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> {
      JsonObject b = api.body(rc);
      List<String> guids = guids(b);
      return switch (text(b, "type", 32)) {
        case "2fa" -> users.resetSecondFactor(guids);
        case "email" -> users.setEmailCheck(guids, false);
        default -> Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
            "type must be \"2fa\" or \"email\""));
      };
    }));
  }

  private static List<String> guids(JsonObject b) {
    return AdminRequests.keys(AdminRequests.arrayField(b, "user_guids"), "user_guids");
  }
}
