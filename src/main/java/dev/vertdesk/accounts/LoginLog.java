package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import dev.vertdesk.events.EventPublisher;
import io.vertx.core.Future;
import java.util.UUID;

/**
 * Every login attempt, its outcome and where it came from (the console's login log), announced as
 * a login event once stored.
 */
public final class LoginLog {

  /** What became of an attempt. */
  public enum Result { SUCCESS, FAILURE, LOCKED, THROTTLED, SECOND_FACTOR, SECOND_FACTOR_FAILURE }

  private final Database db;
  /** Null where nobody listens (a store tested on its own). */
  private final EventPublisher events;

  public LoginLog(Database db) {
    this(db, null);
  }

  public LoginLog(Database db, EventPublisher events) {
    this.db = db;
    this.events = events;
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
        .onSuccess(stored -> announce(name, user, ip, method, result, reason, device))
        .mapEmpty();
  }

  private void announce(String name, User user, String ip, String method, Result result, String reason,
                        ClientDevice device) {
    if (events == null || result == Result.SECOND_FACTOR) {
      return; // the first step of a two-step login is neither yet
    }
    if (result == Result.SUCCESS) {
      events.loginSucceeded(user == null ? truncate(name, 100) : user.name(), ip, method, truncate(device.id(), 100));
    } else {
      events.loginFailed(truncate(name, 100), ip, method, result.name().toLowerCase(java.util.Locale.ROOT),
          reason == null ? "" : reason);
    }
  }

  static String truncate(String s, int max) {
    return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
  }
}
