package dev.vertdesk.api;

import static dev.vertdesk.api.ApiRequests.object;
import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.ClientDevice;
import dev.vertdesk.identity.SingleSignOn;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Single sign-on ({@code rustdesk/rustdesk: src/hbbs_http/account.rs}): the client's request for
 * a login, the browser's return from the provider, the client's poll. The callback is the one
 * page a person sees: a browser (one that asks for HTML) gets a short page, anything else JSON.
 */
final class SsoRoutes {

  private final ApiVerticle api;
  private final SingleSignOn sso;

  SsoRoutes(ApiVerticle api, SingleSignOn sso) {
    this.api = api;
    this.sso = sso;
  }

  void mount(Router r) {
    r.post("/api/oidc/auth").handler(this::start);
    r.get("/api/oidc/auth-query").handler(this::poll);
    r.get(SingleSignOn.CALLBACK_PATH).handler(this::callback);
  }

  private void start(RoutingContext rc) {
    JsonObject b = api.body(rc);
    String op = text(b, "op", 64);
    if (op.isEmpty()) {
      throw new ApiRequests.BadRequest("op (the provider's name) is required");
    }
    JsonObject info = object(b, "deviceInfo");
    ClientDevice device = new ClientDevice(text(b, "id", 100), text(b, "uuid", 200), text(info, "os", 100),
        text(info, "name", 200));
    String redirect = sso.redirectUri(text(b, "apiDomain", 512), requestBase(rc));
    api.json(rc, sso.start(op, device, redirect, api.clientIp(rc)));
  }

  /** The address this request came to, for clients that send no {@code apiDomain}. */
  private static String requestBase(RoutingContext rc) {
    String authority = rc.request().authority() == null ? "localhost" : rc.request().authority().toString();
    return rc.request().scheme() + "://" + authority;
  }

  private void poll(RoutingContext rc) {
    String code = query(rc, "code", 256);
    if (code.isEmpty()) {
      throw new ApiRequests.BadRequest("code is required");
    }
    api.json(rc, sso.poll(code, query(rc, "id", 100), query(rc, "uuid", 200), api.clientIp(rc)));
  }

  private void callback(RoutingContext rc) {
    String error = query(rc, "error", 256);
    boolean html = wantsHtml(rc);
    sso.callback(query(rc, "state", 256), query(rc, "code", 4096),
            error.isEmpty() ? "" : error.matches("[A-Za-z0-9_.-]{1,64}") ? error : "error")
        .onComplete(ar -> {
          if (ar.succeeded()) {
            String message = "Signed in as " + ar.result() + ". You can close this window and return to RustDesk.";
            if (html) {
              page(rc, 200, "Signed in", message);
            } else {
              api.json(rc, 200, new JsonObject().put("user", ar.result()).put("message", message));
            }
          } else if (html && ar.cause() instanceof AccountException e) {
            page(rc, e.kind().status(), "Not signed in", e.getMessage());
          } else {
            rc.fail(ar.cause());
          }
        });
  }

  /** One query parameter (the first), {@code ""} when absent; longer than {@code max} is refused. */
  private static String query(RoutingContext rc, String name, int max) {
    String v = rc.request().getParam(name);
    if (v == null) {
      return "";
    }
    if (v.length() > max) {
      throw new ApiRequests.BadRequest(name + " is longer than " + max + " characters");
    }
    return v;
  }

  private static boolean wantsHtml(RoutingContext rc) {
    String accept = rc.request().getHeader("Accept");
    return accept != null && accept.contains("text/html");
  }

  /** A page without scripts or links; the callback's URL (code, state) is not handed on as a referrer. */
  private static void page(RoutingContext rc, int status, String title, String message) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
            + "<style>body{font-family:sans-serif;margin:4em auto;max-width:32em;text-align:center}</style>"
            + "</head><body><h1>" + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>");
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
