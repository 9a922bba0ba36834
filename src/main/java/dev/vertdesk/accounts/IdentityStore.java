package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;

/**
 * Users who sign in through another system: the link of a provider's subject to a user
 * ({@code user_identities}), users created at their first sign-in, and the attributes the
 * provider keeps up to date. One subject of one provider is one user, whatever its name or
 * e-mail address becomes.
 */
public final class IdentityStore {

  private final Database db;
  private final UserStore users;

  public IdentityStore(Database db, UserStore users) {
    this.db = db;
    this.users = users;
  }

  /** The user linked to that subject, or {@code null}. */
  public Future<User> linked(String provider, String subject) {
    return db.first("select u.guid from users u join user_identities i on i.user_guid = u.guid"
        + " where i.provider = ? and i.subject = ?", r -> r.getString("guid"), provider, subject)
        .compose(guid -> guid == null ? Future.succeededFuture(null) : users.byGuid(guid));
  }

  /** Links a subject to an existing user; false when the subject was linked already. */
  public Future<Boolean> link(String provider, String subject, String userGuid) {
    return db.update("insert into user_identities (provider, subject, user_guid, created_at) values (?, ?, ?, ?)"
            + " on conflict (provider, subject) do nothing", provider, subject, userGuid, System.currentTimeMillis())
        .map(n -> n == 1);
  }

  /** The users with that e-mail address, whatever its case. */
  public Future<List<User>> byEmail(String email) {
    return db.list("select " + User.COLUMNS + " from users where lower(email) = lower(?)", User::from, email);
  }

  /**
   * Creates a user without a password, linked to the subject, in one transaction; fails with
   * {@link AccountException.Kind#CONFLICT} when the name (whatever its case) or the subject is
   * taken.
   */
  public Future<User> create(String name, String displayName, String email, boolean admin, String provider,
                             String subject) {
    if (!User.validName(name)) {
      return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
          "a user name is 1 to 128 characters, without control characters"));
    }
    String trimmed = name.strip();
    long now = System.currentTimeMillis();
    String guid = UUID.randomUUID().toString();
    return db.inTransaction(tx -> tx.update("insert into users (guid, name, name_key, display_name, email, note,"
                + " password_hash, is_admin, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?)",
            guid, trimmed, User.nameKey(trimmed), displayName, email, "signs in through " + provider, admin,
            User.NORMAL, now, now)
        .compose(n -> tx.update("insert into user_identities (provider, subject, user_guid, created_at)"
            + " values (?, ?, ?, ?)", provider, subject, guid, now)))
        .recover(e -> Future.failedFuture(UserStore.uniqueViolation(e)
            ? new AccountException(AccountException.Kind.CONFLICT, "a user named " + trimmed + " exists")
            : e))
        .compose(n -> users.byGuid(guid));
  }

  /**
   * Brings what the provider says of a user up to date: e-mail and display name when it gives
   * them, the admin flag when it decides it. True when the admin flag changed.
   */
  public Future<Boolean> update(User user, String email, String displayName, java.util.Optional<Boolean> admin) {
    String newEmail = email.isEmpty() ? user.email() : email;
    String newName = displayName.isEmpty() ? user.displayName() : displayName;
    boolean newAdmin = admin.orElse(user.admin());
    if (newEmail.equals(user.email()) && newName.equals(user.displayName()) && newAdmin == user.admin()) {
      return Future.succeededFuture(false);
    }
    return db.update("update users set email = ?, display_name = ?, is_admin = ?, updated_at = ? where guid = ?",
        newEmail, newName, newAdmin, System.currentTimeMillis(), user.guid()).map(n -> newAdmin != user.admin());
  }
}
