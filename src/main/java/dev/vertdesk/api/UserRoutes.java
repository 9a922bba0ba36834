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
    r.post("/api/users").handler(this::create);
    // before /api/users/:guid, which would take these names for guids
    r.post("/api/users/force-logout").handler(rc -> {
      List<String> guids = guids(api.body(rc));
      api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.forceLogout(guids)));
    });
    r.put("/api/users/disable_login_verification").handler(this::resetVerification);
    r.post("/api/users/:guid/enable").handler(rc -> {
      String guid = pathKey(rc, "guid");
      api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.enable(guid)));
    });
    r.post("/api/users/:guid/disable").handler(rc -> {
      String guid = pathKey(rc, "guid");
      api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.disable(guid)));
    });
    r.put("/api/users/:guid").handler(this::update);
    r.delete("/api/users/:guid").handler(rc -> {
      String guid = pathKey(rc, "guid");
      api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> users.delete(guid)));
    });
  }

  /**
   * Everyone for an admin; for anyone else signed in, with {@code accessible} in the query as the
   * client sends it, themselves and their group's members.
   */
  private void list(RoutingContext rc) {
    Page page = AdminRequests.page(rc);
    UserAdmin.Filter filter = new UserAdmin.Filter(AdminRequests.query(rc, "name"),
        AdminRequests.query(rc, "group_name"), AdminRequests.optionalInt(rc, "status", User.UNVERIFIED, User.NORMAL));
    boolean accessible = AdminRequests.has(rc, "accessible");
    api.json(rc, api.signedIn(rc).compose(p -> {
      if (Scopes.allows(p, Scopes.USERS)) {
        return users.list(filter, page, null);
      }
      if (accessible) {
        return users.list(filter, page, p.user().guid());
      }
      return Future.failedFuture(ApiVerticle.forbidden(p, Scopes.USERS));
    }));
  }

  private void create(RoutingContext rc) {
    JsonObject b = api.body(rc);
    UserAdmin.NewUser u = new UserAdmin.NewUser(text(b, "name", 1024), text(b, "password", Argon2id.MAX_PASSWORD_BYTES),
        text(b, "display_name", 1024), text(b, "email", 1024), text(b, "note", 4096), bool(b, "is_admin", false),
        text(b, "group_name", 1024));
    api.json(rc, api.admin(rc, Scopes.USERS).compose(p -> users.create(u)));
  }

  private void update(RoutingContext rc) {
    String guid = pathKey(rc, "guid");
    JsonObject b = api.body(rc);
    UserAdmin.Changes c = new UserAdmin.Changes(optionalText(b, "name", 1024), optionalText(b, "display_name", 1024),
        optionalText(b, "email", 1024), optionalText(b, "note", 4096), optionalBool(b, "is_admin"),
        optionalText(b, "password", Argon2id.MAX_PASSWORD_BYTES), optionalText(b, "group_name", 1024));
    api.json(rc, api.admin(rc, Scopes.USERS).compose(p -> users.update(guid, c)));
  }

  /** Pro's reset of login verification: {@code type} "2fa" removes the users' TOTP and backup codes. */
  private void resetVerification(RoutingContext rc) {
    JsonObject b = api.body(rc);
    List<String> guids = guids(b);
    String type = text(b, "type", 32);
    api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> switch (type) {
      case "2fa" -> users.resetSecondFactor(guids);
      case "email" -> Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
          "this server has no e-mail login verification to disable"));
      default -> Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
          "type must be \"2fa\" or \"email\""));
    }));
  }

  private static List<String> guids(JsonObject b) {
    return AdminRequests.keys(AdminRequests.arrayField(b, "user_guids"), "user_guids");
  }
}
