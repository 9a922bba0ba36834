package dev.vertdesk.mail;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.config.MailConfig;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An admin invites someone by e-mail: a user is created invited ({@code status} -1, no password,
 * so nobody can sign in as it) with a single-use token that expires after
 * {@code invitationHours}, and the invitee gets a link to a page of the API where they set their
 * password; that makes the user a normal one and spends the token. Only the token's SHA-256 is
 * stored. A mail that cannot be sent undoes the invitation, so the admin can simply try again.
 */
public final class Invitations {

  /** What the acceptance page links to, under the API's public address. */
  public static final String ACCEPT_PATH = "/api/invitations/accept";
  /** {@link TokenStore#newToken()}: 43 URL-safe base64 characters; anything else is not looked up. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

  /** An invitation that may still be accepted: for the user of that name. */
  public record Pending(String userGuid, String name) {
  }

  private final Vertx vertx;
  private final Database db;
  private final Mailer mailer;
  private final MailConfig config;
  private final String publicUrl;

  /** @param publicUrl {@code accounts.publicUrl}, the API's address for browsers; empty: the request's */
  public Invitations(Vertx vertx, Database db, Mailer mailer, MailConfig config, String publicUrl) {
    this.vertx = vertx;
    this.db = db;
    this.mailer = mailer;
    this.config = config;
    this.publicUrl = publicUrl;
  }

  /** Whether this node sends e-mail (invitations and login codes need it). */
  public boolean sendsMail() {
    return mailer.enabled();
  }

  /**
   * Invites {@code email} as user {@code name}; answers the new user's guid once the mail is
   * sent. {@code requestBase} is the address the admin reached the API by, for links when no
   * {@code accounts.publicUrl} is set.
   */
  public Future<String> invite(String adminGuid, String email, String name, String groupName, String note,
                               String requestBase) {
    if (!mailer.enabled()) {
      return Future.failedFuture(new AccountException(Kind.CONFLICT,
          "this server does not send e-mail: set mail.enabled and the SMTP server first"));
    }
    if (!MailConfig.address(email)) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "email is not an e-mail address"));
    }
    if (!User.validName(name)) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST,
          "a user name is 1 to 128 characters, without control characters"));
    }
    if (note.length() > UserAdmin.MAX_NOTE || note.indexOf('\0') >= 0) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST,
          "note is at most " + UserAdmin.MAX_NOTE + " characters, without NUL"));
    }
    String trimmed = name.strip();
    String guid = UUID.randomUUID().toString();
    String token = TokenStore.newToken();
    long now = System.currentTimeMillis();
    long expires = now + TimeUnit.HOURS.toMillis(config.invitationHours());
    return UserAdmin.userGroupGuid(db, groupName)
        .compose(group -> db.inTransaction(tx -> tx.update("insert into users (guid, name, name_key, display_name,"
                + " email, note, password_hash, is_admin, status, group_guid, created_at, updated_at)"
                + " values (?, ?, ?, '', ?, ?, null, 0, ?, ?, ?, ?)", guid, trimmed, User.nameKey(trimmed), email,
                note, User.UNVERIFIED, group, now, now)
            .compose(n -> tx.update("insert into user_invitations (token_hash, user_guid, email, created_by,"
                + " created_at, expires_at) values (?, ?, ?, ?, ?, ?)", TokenStore.hash(token), guid, email,
                adminGuid, now, expires))))
        .recover(e -> Future.failedFuture(duplicate(e)
            ? new AccountException(Kind.CONFLICT, "a user named " + trimmed + " exists") : e))
        .compose(n -> mailer.send("invitation", email, "Your RustDesk account " + trimmed,
                invitationText(trimmed, link(requestBase, token), expires))
            .transform(sent -> sent.succeeded() ? Future.succeededFuture(guid)
                : undo(guid).<String>transform(x -> Future.failedFuture(new AccountException(Kind.UNAVAILABLE,
                    "The invitation e-mail could not be sent: " + sent.cause().getMessage())))));
  }

  private String link(String requestBase, String token) {
    String base = publicUrl.isEmpty() ? requestBase : publicUrl;
    return base + ACCEPT_PATH + "?token=" + token;
  }

  private String invitationText(String name, String link, long expires) {
    return "Hello,\n\n"
        + "an administrator made you a RustDesk account, " + MailText.inline(name) + ".\n"
        + "Choose its password here (the link works once, for " + config.invitationHours() + " hours):\n\n"
        + link + "\n\n"
        + "Then sign in from RustDesk's account dialog with that name and password.\n"
        + "If you did not expect this, ignore this e-mail.\n";
  }

  /** The invitation and its user, gone again (the mail did not go out). */
  private Future<Void> undo(String guid) {
    return db.inTransaction(tx -> tx.update("delete from user_invitations where user_guid = ?", guid)
        .compose(n -> tx.update("delete from users where guid = ? and status = ?", guid, User.UNVERIFIED)))
        .mapEmpty();
  }

  /**
   * The invitation of {@code token} when it may still be accepted (unused, unexpired, its user
   * still invited); fails NOT_FOUND otherwise, the same way whatever the reason.
   */
  public Future<Pending> pending(String token) {
    if (token == null || !TOKEN.matcher(token).matches()) {
      return Future.<Pending>failedFuture(invalid());
    }
    return db.first("select u.guid, u.name from user_invitations i join users u on u.guid = i.user_guid"
            + " where i.token_hash = ? and i.used_at = 0 and i.expires_at >= ? and u.status = ?",
            r -> new Pending(r.getString("guid"), r.getString("name")), TokenStore.hash(token),
            System.currentTimeMillis(), User.UNVERIFIED)
        .compose(p -> p == null ? Future.<Pending>failedFuture(invalid()) : Future.succeededFuture(p));
  }

  /**
   * Sets the invitee's password and makes the user a normal one; the token is spent. The token is
   * checked before the password is hashed, so forged tokens cost no hashing. Two acceptances
   * racing with one token: one wins.
   */
  public Future<Pending> accept(String token, String password) {
    String problem = UserAdmin.checkPassword(password);
    if (problem != null) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, problem));
    }
    return pending(token).compose(p -> vertx.executeBlocking(() -> Argon2id.hash(password), false)
        .compose(hash -> db.inTransaction(tx -> {
          long now = System.currentTimeMillis();
          return tx.update("update user_invitations set used_at = ? where token_hash = ? and used_at = 0"
                  + " and expires_at >= ?", now, TokenStore.hash(token), now)
              .compose(n -> n == 1 ? tx.update("update users set password_hash = ?, status = ?, failed_logins = 0,"
                      + " locked_until = 0, updated_at = ? where guid = ? and status = ?", hash, User.NORMAL, now,
                      p.userGuid(), User.UNVERIFIED)
                  : Future.succeededFuture(0))
              .compose(n -> n == 1 ? Future.succeededFuture(p) : Future.<Pending>failedFuture(invalid()));
        })));
  }

  private static AccountException invalid() {
    return new AccountException(Kind.NOT_FOUND,
        "This invitation link is not valid: it was used already, it expired, or it was withdrawn");
  }

  private static boolean duplicate(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("unique") || m.contains("duplicate key");
  }
}
