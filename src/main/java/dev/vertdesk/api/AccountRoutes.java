package dev.vertdesk.api;

import static dev.vertdesk.api.ApiRequests.bool;
import static dev.vertdesk.api.ApiRequests.object;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.ClientDevice;
import dev.vertdesk.accounts.LoginRequest;
import dev.vertdesk.identity.SingleSignOn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The account calls of the RustDesk client (login in one or two steps, current user, logout, the
 * login options) and the user's own two-factor enrolment.
 */
final class AccountRoutes {

  private final ApiVerticle api;
  private final AccountService accounts;
  private final SingleSignOn sso;

  AccountRoutes(ApiVerticle api, AccountService accounts, SingleSignOn sso) {
    this.api = api;
    this.accounts = accounts;
    this.sso = sso;
  }

  void mount(Router r) {
    r.post("/api/login").handler(this::login);
    // the client probes TLS with HEAD before SSO; any answer will do, a real one is better
    r.head("/api/login-options").handler(rc -> rc.response().setStatusCode(200)
        .putHeader("Content-Type", "application/json").end());
    r.get("/api/login-options").handler(rc -> api.json(rc, loginOptions()));
    // both carry the client's {id, uuid}: read, so that a malformed body is refused like anywhere else
    r.post("/api/currentUser").handler(rc -> {
      api.body(rc);
      api.json(rc, api.signedIn(rc).map(p -> p.user().payload()));
    });
    r.post("/api/logout").handler(rc -> {
      api.body(rc);
      api.empty(rc, api.signedIn(rc).compose(accounts::logout));
    });
    r.post("/api/tfa/totp/start").handler(rc -> api.json(rc, api.signedIn(rc)
        .compose(p -> accounts.startTotp(p.user(), "Vertdesk " + host(rc)))));
    r.post("/api/tfa/totp/confirm").handler(rc -> {
      String code = text(api.body(rc), "code", 32);
      api.json(rc, api.signedIn(rc).compose(p -> accounts.confirmTotp(p.user(), code)));
    });
    r.post("/api/tfa/totp/disable").handler(rc -> {
      String code = text(api.body(rc), "code", 32);
      api.empty(rc, api.signedIn(rc).compose(p -> accounts.disableTotp(p.user(), code)));
    });
  }

  private void login(RoutingContext rc) {
    JsonObject b = api.body(rc);
    JsonObject info = object(b, "deviceInfo");
    ClientDevice device = new ClientDevice(text(b, "id", 100), text(b, "uuid", 200), text(info, "os", 100),
        text(info, "name", 200));
    String type = text(b, "type", 32);
    String code = text(b, "tfaCode", 32);
    if (code.isEmpty()) {
      code = text(b, "verificationCode", 32);
    }
    LoginRequest req = new LoginRequest(type.isEmpty() ? LoginRequest.ACCOUNT : type, text(b, "username", 256),
        text(b, "password", 4096), code, text(b, "secret", 256), bool(b, "autoLogin", true), device);
    api.json(rc, accounts.login(req, api.clientIp(rc)));
  }

  /** The sign-in options the client offers: single sign-on providers, when configured. */
  private io.vertx.core.Future<JsonArray> loginOptions() {
    return io.vertx.core.Future.succeededFuture(sso.loginOptions());
  }

  /** The host the client reached us by, for the label of its authenticator entry. */
  private static String host(RoutingContext rc) {
    return rc.request().authority() == null ? "server" : rc.request().authority().host();
  }
}
