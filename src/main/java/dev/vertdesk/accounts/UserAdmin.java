package dev.vertdesk.accounts;

import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Like;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The users as an admin manages them (Pro's {@code /api/users} calls): list with filters, create,
 * edit, enable, disable, delete, sign out everywhere, reset the second factor. Every change that
 * affects signing in ends the user's cached sessions on every node at once
 * ({@link AccountService#invalidateUser}). The last enabled admin cannot be disabled, demoted or
 * deleted, so the server never locks its admins out.
 */
public final class UserAdmin {

  public static final int MIN_PASSWORD = 8;
  public static final int MAX_NOTE = 1000;
  public static final int MAX_EMAIL = 254;

  /**
   * Filters of the users list; {@code null} for none. {@code name} and {@code groupName} are LIKE
   * patterns ({@link Like}); a {@code groupName} of {@code -} means "in no group".
   */
  public record Filter(String name, String groupName, Integer status) {
  }

  /**
   * What an edit changes; {@code null} fields stay as they are. {@code groupName} empty removes
   * the user from its group.
   */
  public record Changes(String name, String displayName, String email, String note, Boolean admin,
                        String password, String groupName) {
  }

  /** A new user. */
  public record NewUser(String name, String password, String displayName, String email, String note, boolean admin,
                        String groupName) {
  }

  private static final String SELECT = "select u.guid, u.name, u.display_name, u.email, u.note, u.status,"
      + " u.is_admin, u.totp_enabled, u.created_at, u.last_login_at, coalesce(g.name, '') as group_name"
      + " from users u left join user_groups g on g.guid = u.group_guid";

  private final Vertx vertx;
  private final Database db;
  private final AccountService accounts;
  private final TokenStore tokens;

  public UserAdmin(Vertx vertx, Database db, AccountService accounts, TokenStore tokens) {
    this.vertx = vertx;
    this.db = db;
    this.accounts = accounts;
    this.tokens = tokens;
  }

  // ------------------------------------------------------------------ reading

  /**
   * A page of users. {@code viewer} {@code null} lists everyone (an admin); otherwise only the
   * viewer and the members of the viewer's group, and the e-mail and note of no one but the
   * viewer (what a normal user's client shows under "accessible users").
   */
  public Future<JsonObject> list(Filter filter, Page page, String viewer) {
    StringBuilder where = new StringBuilder(" where 1 = 1");
    List<Object> args = new ArrayList<>();
    if (filter.name() != null) {
      where.append(" and u.name_key like ? escape '\\'");
      args.add(Like.pattern(filter.name()));
    }
    if ("-".equals(filter.groupName())) {
      where.append(" and u.group_guid is null");
    } else if (filter.groupName() != null) {
      where.append(" and g.name_key like ? escape '\\'");
      args.add(Like.pattern(filter.groupName()));
    }
    if (filter.status() != null) {
      where.append(" and u.status = ?");
      args.add(filter.status());
    }
    if (viewer != null) {
      where.append(" and (u.guid = ? or u.group_guid = (select s.group_guid from users s where s.guid = ?))");
      args.add(viewer);
      args.add(viewer);
    }
    String count = "select count(*) as n from users u left join user_groups g on g.guid = u.group_guid" + where;
    return db.first(count, r -> Database.number(r, "n"), args.toArray()).compose(total -> {
      List<Object> pageArgs = new ArrayList<>(args);
      pageArgs.add(page.size());
      pageArgs.add(page.offset());
      return db.list(SELECT + where + " order by u.name_key limit ? offset ?",
          r -> item(r, viewer == null || viewer.equals(r.getString("guid"))), pageArgs.toArray())
          .map(rows -> Listing.page(total, rows));
    });
  }

  /** One user as the admin lists show it, or 404. */
  public Future<JsonObject> get(String guid) {
    return db.first(SELECT + " where u.guid = ?", r -> item(r, true), guid).compose(UserAdmin::found);
  }

  /**
   * A user as listed: the client's UserPayload fields (strings, {@code status} an int,
   * {@code is_admin} a boolean, {@code info} an object) and the admin's ones.
   */
  private static JsonObject item(Row r, boolean full) {
    return new JsonObject()
        .put("guid", r.getString("guid"))
        .put("name", r.getString("name"))
        .put("display_name", r.getString("display_name"))
        .put("avatar", "")
        .put("email", full ? r.getString("email") : null)
        .put("note", full ? r.getString("note") : null)
        .put("status", (int) Database.number(r, "status"))
        .put("is_admin", Database.bool(r, "is_admin"))
        .put("group_name", r.getString("group_name"))
        .put("totp_enabled", Database.bool(r, "totp_enabled"))
        .put("info", new JsonObject())
        .put("created_at", Listing.iso(Database.number(r, "created_at")))
        .put("last_login_at", Listing.iso(Database.number(r, "last_login_at")));
  }

  // ------------------------------------------------------------------ changes

  public Future<JsonObject> create(NewUser u) {
    String problem = checkName(u.name());
    if (problem == null) {
      problem = checkPassword(u.password());
    }
    if (problem == null) {
      problem = checkEmail(u.email());
    }
    if (problem == null) {
      problem = checkText("note", u.note(), MAX_NOTE);
    }
    if (problem == null) {
      problem = checkText("display_name", u.displayName(), 128);
    }
    if (problem != null) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, problem));
    }
    String name = u.name().strip();
    String guid = UUID.randomUUID().toString();
    long now = System.currentTimeMillis();
    return userGroupGuid(db, u.groupName())
        .compose(group -> vertx.executeBlocking(() -> Argon2id.hash(u.password()), false)
            .compose(hash -> db.update("insert into users (guid, name, name_key, display_name, email, note,"
                    + " password_hash, is_admin, status, group_guid, created_at, updated_at)"
                    + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", guid, name, User.nameKey(name),
                    u.displayName(), u.email(), u.note(), hash, u.admin(), User.NORMAL, group, now, now)))
        .recover(e -> Future.failedFuture(UserStore.uniqueViolation(e)
            ? new AccountException(Kind.CONFLICT, "a user named " + name + " exists") : e))
        .compose(n -> get(guid));
  }

  /** {@code PUT /api/users/{guid}}: the given fields change; a new password ends the user's sessions. */
  public Future<JsonObject> update(String guid, Changes c) {
    String problem = c.name() == null ? null : checkName(c.name());
    if (problem == null && c.password() != null) {
      problem = checkPassword(c.password());
    }
    if (problem == null && c.email() != null) {
      problem = checkEmail(c.email());
    }
    if (problem == null && c.note() != null) {
      problem = checkText("note", c.note(), MAX_NOTE);
    }
    if (problem == null && c.displayName() != null) {
      problem = checkText("display_name", c.displayName(), 128);
    }
    if (problem != null) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, problem));
    }
    return user(guid).compose(user -> {
      Future<String> group = c.groupName() == null ? Future.succeededFuture(user.groupGuid())
          : userGroupGuid(db, c.groupName());
      boolean demoted = user.admin() && Boolean.FALSE.equals(c.admin());
      Future<Void> allowed = demoted ? anotherAdmin(guid, "demoted") : Future.succeededFuture();
      String name = c.name() == null ? user.name() : c.name().strip();
      return allowed.compose(v -> group).compose(g -> db.update("update users set name = ?, name_key = ?,"
              + " display_name = ?, email = ?, note = ?, is_admin = ?, group_guid = ?, updated_at = ? where guid = ?",
              name, User.nameKey(name), or(c.displayName(), user.displayName()), or(c.email(), user.email()),
              or(c.note(), user.note()), c.admin() == null ? user.admin() : c.admin(), g,
              System.currentTimeMillis(), guid))
          .recover(e -> Future.failedFuture(UserStore.uniqueViolation(e)
              ? new AccountException(Kind.CONFLICT, "a user named " + name + " exists") : e))
          .compose(n -> c.password() == null ? Future.succeededFuture()
              : vertx.executeBlocking(() -> Argon2id.hash(c.password()), false)
                  .compose(hash -> accounts.users().setPassword(guid, hash))
                  .compose(v -> tokens.revokeSessions(guid)))
          // the cached principals carry the admin flag and group: every node reads them again
          .compose(v -> accounts.invalidateUser(guid))
          .compose(v -> get(guid));
    });
  }

  /** Enables a user (also an invited one). */
  public Future<Void> enable(String guid) {
    return user(guid).compose(u -> db.update("update users set status = ?, updated_at = ? where guid = ?",
        User.NORMAL, System.currentTimeMillis(), guid)).compose(n -> accounts.invalidateUser(guid));
  }

  /** Disables a user: its sessions end on every node at once; its API tokens stop working. */
  public Future<Void> disable(String guid) {
    return user(guid)
        .compose(u -> u.admin() && u.enabled() ? anotherAdmin(guid, "disabled") : Future.<Void>succeededFuture())
        .compose(v -> db.update("update users set status = ?, updated_at = ? where guid = ?", User.DISABLED,
            System.currentTimeMillis(), guid))
        .compose(n -> tokens.revokeSessions(guid))
        .compose(n -> accounts.invalidateUser(guid));
  }

  /** Deletes a disabled user (Pro's rule: disable first), with its tokens, codes and identities. */
  public Future<Void> delete(String guid) {
    return user(guid).compose(u -> {
      if (u.enabled()) {
        return Future.failedFuture(new AccountException(Kind.CONFLICT, "disable the user before deleting it"));
      }
      // dependents by hand: SQLite enforces no foreign keys here, so no cascade can be relied on
      return db.inTransaction(tx -> tx.update("delete from access_tokens where user_guid = ?", guid)
          .compose(n -> tx.update("delete from user_backup_codes where user_guid = ?", guid))
          .compose(n -> tx.update("delete from user_identities where user_guid = ?", guid))
          .compose(n -> tx.update("delete from login_challenges where user_guid = ?", guid))
          .compose(n -> tx.update("delete from user_invitations where user_guid = ?", guid))
          .compose(n -> tx.update("update devices set user_guid = null where user_guid = ?", guid))
          .compose(n -> tx.update("delete from users where guid = ?", guid)))
          .recover(e -> Future.failedFuture(String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("foreign key")
              ? new AccountException(Kind.CONFLICT, "the user still owns records; remove them first") : e))
          .compose(n -> accounts.invalidateUser(guid));
    });
  }

  /** Ends every session of these users on every node; nothing happens unless all exist. */
  public Future<Void> forceLogout(List<String> guids) {
    return allExist(guids).compose(v -> Listing.each(guids, guid -> tokens.revokeSessions(guid)
        .compose(n -> accounts.invalidateUser(guid))));
  }

  /** Removes these users' second factor (TOTP and backup codes); nothing happens unless all exist. */
  public Future<Void> resetSecondFactor(List<String> guids) {
    return allExist(guids).compose(v -> Listing.each(guids, accounts::resetTotp));
  }

  /**
   * Turns the e-mail login check on or off for these users (Pro's
   * {@code disable_login_verification} with {@code type: "email"} turns it off); nothing
   * changes unless all exist, and, to turn it on, all have an e-mail address to send the codes to.
   */
  public Future<Void> setEmailCheck(List<String> guids, boolean on) {
    return Listing.each(guids, guid -> user(guid).compose(u -> !on || (u.email() != null && !u.email().isBlank())
            ? Future.succeededFuture()
            : Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "user " + u.name()
                + " has no e-mail address to send login codes to"))))
        .compose(v -> Listing.each(guids, guid -> accounts.users().setEmailCheck(guid, on)));
  }

  // ------------------------------------------------------------------ helpers

  private Future<User> user(String guid) {
    return accounts.users().byGuid(guid).compose(u -> u == null
        ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no user " + guid))
        : Future.succeededFuture(u));
  }

  private Future<Void> allExist(List<String> guids) {
    return Listing.each(guids, this::user);
  }

  /** Fails unless an enabled admin other than {@code guid} remains. */
  private Future<Void> anotherAdmin(String guid, String what) {
    return db.first("select count(*) as n from users where is_admin = 1 and status <> 0 and guid <> ?",
        r -> Database.number(r, "n"), guid).compose(n -> n > 0 ? Future.succeededFuture()
        : Future.failedFuture(new AccountException(Kind.CONFLICT,
            "the last enabled admin cannot be " + what)));
  }

  /**
   * The guid of the user group of that exact name (any case), {@code null} for none or empty;
   * BAD_REQUEST for a name no group could have or no group has.
   */
  public static Future<String> userGroupGuid(Database db, String groupName) {
    if (groupName == null || groupName.isBlank()) {
      return Future.succeededFuture(null);
    }
    if (!User.validName(groupName)) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "group_name is not a group name"));
    }
    return db.first("select guid from user_groups where name_key = ?", r -> r.getString("guid"),
        User.nameKey(groupName)).compose(g -> g == null
        ? Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "no user group named " + groupName))
        : Future.succeededFuture(g));
  }

  private static Future<JsonObject> found(JsonObject o) {
    return o == null ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no such user"))
        : Future.succeededFuture(o);
  }

  private static String or(String value, String current) {
    return value == null ? current : value;
  }

  static String checkName(String name) {
    return User.validName(name) ? null : "a user name is 1 to 128 characters, without control characters";
  }

  /** Why a new password is refused, or {@code null} when it is acceptable. */
  public static String checkPassword(String password) {
    if (password == null || password.codePointCount(0, password.length()) < MIN_PASSWORD) {
      return "a password has at least " + MIN_PASSWORD + " characters";
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > Argon2id.MAX_PASSWORD_BYTES) {
      return "a password has at most " + Argon2id.MAX_PASSWORD_BYTES + " bytes";
    }
    return password.indexOf('\0') >= 0 ? "a password has no NUL character" : null;
  }

  static String checkEmail(String email) {
    if (email.isEmpty()) {
      return null;
    }
    int at = email.indexOf('@');
    boolean ok = email.length() <= MAX_EMAIL && at > 0 && at < email.length() - 1
        && email.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    return ok ? null : "email is not an e-mail address";
  }

  /** Free text: bounded, and no NUL (PostgreSQL refuses it in text). */
  static String checkText(String field, String text, int max) {
    if (text.length() > max) {
      return field + " is longer than " + max + " characters";
    }
    return text.indexOf('\0') >= 0 ? field + " has a NUL character" : null;
  }
}
