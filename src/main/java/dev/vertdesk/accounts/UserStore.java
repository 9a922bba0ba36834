package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;

/** The {@code users} table and what hangs off it (backup codes, SSO identities). */
public final class UserStore {

  private final Database db;

  public UserStore(Database db) {
    this.db = db;
  }

  public Future<User> byName(String name) {
    return db.first("select " + User.COLUMNS + " from users where name_key = ?", User::from, User.nameKey(name));
  }

  public Future<User> byGuid(String guid) {
    return db.first("select " + User.COLUMNS + " from users where guid = ?", User::from, guid);
  }

  public Future<Long> count() {
    return db.first("select count(*) as n from users", r -> Database.number(r, "n"));
  }

  /**
   * Creates a user; fails with {@link AccountException.Kind#CONFLICT} when the name is taken
   * (whatever its case).
   */
  public Future<User> create(String name, String passwordHash, boolean admin, String email, String note) {
    if (!User.validName(name)) {
      return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST,
          "a user name is 1 to 128 characters, without control characters"));
    }
    String trimmed = name.strip();
    long now = System.currentTimeMillis();
    String guid = UUID.randomUUID().toString();
    return db.update("insert into users (guid, name, name_key, email, note, password_hash, is_admin, status,"
            + " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            guid, trimmed, User.nameKey(trimmed), email, note, passwordHash, admin, User.NORMAL, now, now)
        .recover(e -> Future.failedFuture(uniqueViolation(e)
            ? new AccountException(AccountException.Kind.CONFLICT, "a user named " + trimmed + " exists")
            : e))
        .compose(n -> byGuid(guid));
  }

  static boolean uniqueViolation(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("unique") || m.contains("duplicate key");
  }

  public Future<Void> setPassword(String guid, String passwordHash) {
    return db.update("update users set password_hash = ?, failed_logins = 0, locked_until = 0, updated_at = ?"
        + " where guid = ?", passwordHash, System.currentTimeMillis(), guid).mapEmpty();
  }

  /** A failed login: the count goes up, and the account is locked until {@code lockedUntil} if set. */
  public Future<Void> failed(String guid, int failures, long lockedUntil) {
    return db.update("update users set failed_logins = ?, locked_until = ? where guid = ?",
        failures, lockedUntil, guid).mapEmpty();
  }

  public Future<Void> succeeded(String guid, long at) {
    return db.update("update users set failed_logins = 0, locked_until = 0, last_login_at = ? where guid = ?",
        at, guid).mapEmpty();
  }

  /** Whether the user's password logins are confirmed with a mailed code (their own or an admin's choice). */
  public Future<Boolean> emailCheck(String guid) {
    return db.first("select email_check from users where guid = ?", r -> Database.bool(r, "email_check"), guid)
        .map(Boolean.TRUE::equals);
  }

  public Future<Void> setEmailCheck(String guid, boolean on) {
    return db.update("update users set email_check = ?, updated_at = ? where guid = ?", on,
        System.currentTimeMillis(), guid).mapEmpty();
  }

  /** Starts TOTP enrolment: a sealed secret, not yet required at login. */
  public Future<Void> startTotp(String guid, String sealedSecret) {
    return db.update("update users set totp_secret = ?, totp_enabled = 0, totp_last_step = 0, updated_at = ?"
        + " where guid = ?", sealedSecret, System.currentTimeMillis(), guid).mapEmpty();
  }

  /** Confirms TOTP with its first code and replaces the backup codes, in one transaction. */
  public Future<Void> enableTotp(String guid, long step, List<String> backupCodeHashes) {
    return db.inTransaction(tx -> tx.update("update users set totp_enabled = 1, totp_last_step = ?, updated_at = ?"
            + " where guid = ?", step, System.currentTimeMillis(), guid)
        .compose(n -> tx.update("delete from user_backup_codes where user_guid = ?", guid))
        .compose(n -> {
          Future<Integer> f = Future.succeededFuture(0);
          for (String h : backupCodeHashes) {
            f = f.compose(x -> tx.update("insert into user_backup_codes (user_guid, code_hash) values (?, ?)", guid, h));
          }
          return f;
        }).mapEmpty());
  }

  public Future<Void> disableTotp(String guid) {
    return db.inTransaction(tx -> tx.update("update users set totp_secret = null, totp_enabled = 0,"
            + " totp_last_step = 0, updated_at = ? where guid = ?", System.currentTimeMillis(), guid)
        .compose(n -> tx.update("delete from user_backup_codes where user_guid = ?", guid)).mapEmpty());
  }

  /**
   * Records that a TOTP code of {@code step} was used: true only if no code of that step or a
   * later one was used before (two logins racing with one code: one wins).
   */
  public Future<Boolean> useTotpStep(String guid, long step) {
    return db.update("update users set totp_last_step = ? where guid = ? and totp_last_step < ?", step, guid, step)
        .map(n -> n == 1);
  }

  /** Spends a backup code: true when it existed (and is gone now). */
  public Future<Boolean> useBackupCode(String guid, String codeHash) {
    return db.update("delete from user_backup_codes where user_guid = ? and code_hash = ?", guid, codeHash)
        .map(n -> n == 1);
  }
}
