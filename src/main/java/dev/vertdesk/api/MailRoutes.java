package dev.vertdesk.api;

import static dev.vertdesk.api.ApiRequests.text;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.mail.Invitations;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * What e-mail makes possible: invitations (Pro's {@code POST /api/users/invite}) and the page
 * where the invitee sets a password, and the e-mail login check, turned on and off by an admin
 * (Pro's {@code disable_login_verification} with {@code type: "email"}, and its counterpart) or
 * by the user. Mounted before the user routes, whose {@code /api/users/:guid} would take
 * {@code enable_login_verification} for a guid.
 */
final class MailRoutes {

  /** The acceptance page's one style sheet, allowed by its hash: the page runs under a CSP without 'unsafe-inline'. */
  private static final String STYLE = "body{font-family:sans-serif;margin:3em auto;max-width:30em;padding:0 1em}"
      + "label{display:block;margin:1em 0}input{display:block;width:100%;padding:.4em;box-sizing:border-box}"
      + "button{padding:.5em 1.5em}.error{color:#a00}";
  private static final String CSP = "default-src 'none'; style-src 'sha256-" + sha256(STYLE) + "'; "
      + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private final ApiVerticle api;
  private final AccountService accounts;
  private final UserAdmin users;
  private final Invitations invitations;

  MailRoutes(ApiVerticle api, AccountService accounts, UserAdmin users, Invitations invitations) {
    this.api = api;
    this.accounts = accounts;
    this.users = users;
    this.invitations = invitations;
  }

  void mount(Router r) {
    r.post("/api/users/invite").handler(this::invite);
    r.put("/api/users/enable_login_verification").handler(this::enableVerification);
    r.post("/api/tfa/email/enable").handler(rc -> {
      api.body(rc);
      api.empty(rc, api.signedIn(rc).compose(p -> accounts.enableEmailCheck(p.user())));
    });
    r.post("/api/tfa/email/disable").handler(rc -> {
      String password = text(api.body(rc), "password", Argon2id.MAX_PASSWORD_BYTES);
      api.empty(rc, api.signedIn(rc).compose(p -> accounts.disableEmailCheck(p.user(), password, api.clientIp(rc))));
    });
    r.get(Invitations.ACCEPT_PATH).handler(this::acceptPage);
    r.post(Invitations.ACCEPT_PATH).handler(this::accept);
  }

  private void invite(RoutingContext rc) {
    api.json(rc, api.admin(rc, Scopes.USERS).compose(p -> {
      JsonObject b = api.body(rc);
      return invitations.invite(p.user().guid(), text(b, "email", 1024).strip(), text(b, "name", 1024),
          text(b, "group_name", 1024), text(b, "note", 4096), requestBase(rc));
    }).compose(users::get));
  }

  /** {@code {user_guids, type: "email"}}: these users confirm their logins with mailed codes from now on. */
  private void enableVerification(RoutingContext rc) {
    api.empty(rc, api.admin(rc, Scopes.USERS).compose(p -> {
      JsonObject b = api.body(rc);
      List<String> guids = AdminRequests.keys(AdminRequests.arrayField(b, "user_guids"), "user_guids");
      if (!"email".equals(text(b, "type", 32))) {
        return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
            "type must be \"email\" (TOTP is enrolled by the user)"));
      }
      if (!invitations.sendsMail()) {
        return Future.failedFuture(new AccountException(AccountException.Kind.CONFLICT,
            "this server does not send e-mail: set mail.enabled and the SMTP server first"));
      }
      return users.setEmailCheck(guids, true);
    }));
  }

  /** The address this request came to, for invitation links when {@code accounts.publicUrl} is not set. */
  private static String requestBase(RoutingContext rc) {
    String authority = rc.request().authority() == null ? "localhost" : rc.request().authority().toString();
    return rc.request().scheme() + "://" + authority;
  }

  // ------------------------------------------------------------------ the invitee's page

  private void acceptPage(RoutingContext rc) {
    String token = rc.request().getParam("token");
    invitations.pending(token).onComplete(ar -> {
      if (ar.succeeded()) {
        page(rc, 200, "Set your password", form(ar.result().name(), token, ""));
      } else {
        refused(rc, ar.cause());
      }
    });
  }

  private void accept(RoutingContext rc) {
    String token = field(rc, "token");
    String password = field(rc, "password");
    String confirm = field(rc, "confirm");
    invitations.pending(token).compose(p -> {
      if (!password.equals(confirm)) {
        return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
            "The two passwords differ"));
      }
      return invitations.accept(token, password);
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        page(rc, 200, "Password set", "<p>Your password is set. Sign in from RustDesk's account dialog as <b>"
            + SsoRoutes.escape(ar.result().name()) + "</b>.</p>");
      } else if (ar.cause() instanceof AccountException e && e.kind() == AccountException.Kind.BAD_REQUEST) {
        // the invitation is still good: the form again, with what was wrong
        invitations.pending(token).onComplete(again -> {
          if (again.succeeded()) {
            page(rc, 400, "Set your password", form(again.result().name(), token, e.getMessage()));
          } else {
            refused(rc, again.cause());
          }
        });
      } else {
        refused(rc, ar.cause());
      }
    });
  }

  /** A form field, {@code ""} when absent; longer than a password may be is refused before anything is done. */
  private static String field(RoutingContext rc, String name) {
    String v = rc.request().getFormAttribute(name);
    if (v == null) {
      return "";
    }
    if (v.length() > Argon2id.MAX_PASSWORD_BYTES) {
      throw new ApiRequests.BadRequest(name + " is longer than " + Argon2id.MAX_PASSWORD_BYTES + " characters");
    }
    return v;
  }

  private static String form(String name, String token, String error) {
    return "<p>Welcome. Choose the password you will sign in to RustDesk with, as <b>" + SsoRoutes.escape(name)
        + "</b> (at least " + UserAdmin.MIN_PASSWORD + " characters).</p>"
        + (error.isEmpty() ? "" : "<p class=\"error\">" + SsoRoutes.escape(error) + "</p>")
        + "<form method=\"post\" action=\"accept\">"
        + "<input type=\"hidden\" name=\"token\" value=\"" + SsoRoutes.escape(token) + "\">"
        + "<label>Password<input type=\"password\" name=\"password\" required minlength=\"" + UserAdmin.MIN_PASSWORD
        + "\" autocomplete=\"new-password\"></label>"
        + "<label>The same again<input type=\"password\" name=\"confirm\" required autocomplete=\"new-password\"></label>"
        + "<button type=\"submit\">Set password</button></form>";
  }

  private void refused(RoutingContext rc, Throwable cause) {
    if (cause instanceof AccountException e) {
      page(rc, e.kind().status(), "Invitation", "<p>" + SsoRoutes.escape(e.getMessage()) + "</p>");
    } else {
      rc.fail(cause);
    }
  }

  /**
   * A page without scripts, links or external resources, under a strict CSP; the token in its
   * URL is not handed on as a referrer, and it is never framed or cached.
   */
  private static void page(RoutingContext rc, int status, String title, String bodyHtml) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .end("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width\"><title>" + SsoRoutes.escape(title) + "</title>"
            + "<style>" + STYLE + "</style></head><body><h1>" + SsoRoutes.escape(title) + "</h1>" + bodyHtml
            + "</body></html>");
  }

  private static String sha256(String s) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
