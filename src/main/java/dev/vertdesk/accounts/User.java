package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/**
 * One account of the API server.
 *
 * @param status       1 normal, 0 disabled, -1 invited and not yet verified (the client's values)
 * @param passwordHash Argon2id PHC string; {@code null} for users who sign in through a provider
 * @param totpSecret   the sealed TOTP secret, {@code null} until enrolment starts
 */
public record User(String guid, String name, String displayName, String email, String note, String passwordHash,
                   boolean admin, int status, String groupGuid, String totpSecret, boolean totpEnabled,
                   long totpLastStep, int failedLogins, long lockedUntil, long createdAt, long lastLoginAt) {

  public static final int DISABLED = 0;
  public static final int NORMAL = 1;
  public static final int UNVERIFIED = -1;

  static final String COLUMNS = "guid, name, display_name, email, note, password_hash, is_admin, status, group_guid,"
      + " totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, created_at, last_login_at";

  static User from(Row r) {
    return new User(r.getString("guid"), r.getString("name"), r.getString("display_name"), r.getString("email"),
        r.getString("note"), r.getString("password_hash"), Database.bool(r, "is_admin"),
        (int) Database.number(r, "status"), r.getString("group_guid"), r.getString("totp_secret"),
        Database.bool(r, "totp_enabled"), Database.number(r, "totp_last_step"),
        (int) Database.number(r, "failed_logins"), Database.number(r, "locked_until"),
        Database.number(r, "created_at"), Database.number(r, "last_login_at"));
  }

  public boolean enabled() {
    return status != DISABLED;
  }

  /**
   * The user as the RustDesk client reads it ({@code UserPayload}): strings or null, {@code status}
   * an int, {@code is_admin} a boolean, and {@code info} an object (SSO answers need it).
   */
  public JsonObject payload() {
    return new JsonObject()
        .put("name", name)
        .put("display_name", displayName)
        .put("avatar", "")
        .put("email", email)
        .put("note", note)
        .put("status", status)
        .put("is_admin", admin)
        .put("info", new JsonObject());
  }

  /** The key names are unique under, whatever their case. */
  public static String nameKey(String name) {
    return name.strip().toLowerCase(java.util.Locale.ROOT);
  }

  /** A name: 1 to 128 characters, no control characters, not only spaces. */
  public static boolean validName(String name) {
    return name != null && !name.isBlank() && name.length() <= 128
        && name.codePoints().noneMatch(Character::isISOControl);
  }
}
