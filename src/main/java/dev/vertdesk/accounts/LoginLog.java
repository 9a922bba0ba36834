package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import java.util.UUID;

/** Every login attempt, its outcome and where it came from (the console's login log). */
public final class LoginLog {

  /** What became of an attempt. */
  public enum Result { SUCCESS, FAILURE, LOCKED, THROTTLED, SECOND_FACTOR, SECOND_FACTOR_FAILURE }

  private final Database db;

  public LoginLog(Database db) {
    this.db = db;
  }

  /**
   * @param user   the account when known ({@code null} for an unknown name: the name is still kept)
   * @param device the client the login came from
   */
  public Future<Void> record(String name, User user, String ip, String method, Result result, String reason,
                             ClientDevice device) {
    return db.update("insert into login_log (guid, created_at, user_guid, user_name, ip, method, result, reason,"
            + " device_id, device_os, device_name) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            UUID.randomUUID().toString(), System.currentTimeMillis(), user == null ? null : user.guid(),
            truncate(name, 100), ip, method, result.name().toLowerCase(java.util.Locale.ROOT), reason,
            truncate(device.id(), 100), truncate(device.os(), 100), truncate(device.name(), 200))
        .mapEmpty();
  }

  static String truncate(String s, int max) {
    return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
  }
}
