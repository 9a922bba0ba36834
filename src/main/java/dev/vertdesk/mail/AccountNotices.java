package dev.vertdesk.mail;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.ClientDevice;
import dev.vertdesk.accounts.LoginMail;
import dev.vertdesk.accounts.User;
import dev.vertdesk.config.MailConfig;
import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts' mail: login codes to users, and alarms to the admins (every enabled admin with an
 * address) when an account is locked after failed logins, or when a user signs in from a new
 * place. A place is a network, an IPv4 /24 or an IPv6 /48 ({@link Networks}), the block one
 * provider or site usually holds: a login is from a new place when its network is in none of the
 * user's last {@code newPlaceLogins} successful logins (a first login ever is not an alarm).
 * Alarms are paced per user and kind ({@code alarmMinutes}) and codes per user, on each node;
 * the tables are bounded.
 */
public final class AccountNotices implements LoginMail {

  private static final Logger LOG = LoggerFactory.getLogger(AccountNotices.class);
  /** Users whose pacing a node remembers; the least recently seen go first. */
  static final int MAX_TRACKED = 10_000;
  /** Login codes mailed to one user within {@link #CODE_WINDOW_MILLIS} at most. */
  static final int CODES_PER_WINDOW = 5;
  static final long CODE_WINDOW_MILLIS = 15 * 60_000;
  /** Admins an alarm goes to at most. */
  static final int MAX_RECIPIENTS = 50;

  private final Mailer mailer;
  private final MailConfig config;
  private final Database db;
  /** Last alarm per {@code kind:user}. */
  private final Map<String, Long> alarmed = lru();
  /** Codes mailed per user: the window's start and count. */
  private final Map<String, long[]> codes = lru();

  public AccountNotices(Mailer mailer, MailConfig config, Database db) {
    this.mailer = mailer;
    this.config = config;
    this.db = db;
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_TRACKED;
      }
    };
  }

  @Override
  public boolean sends() {
    return mailer.enabled();
  }

  @Override
  public boolean codeForAll() {
    return config.requireLoginCode();
  }

  @Override
  public long codeMillis() {
    return TimeUnit.MINUTES.toMillis(config.loginCodeMinutes());
  }

  @Override
  public Future<Void> loginCode(User user, String code, ClientDevice device, String ip) {
    long wait = codeWait(user.guid(), System.currentTimeMillis());
    if (wait > 0) {
      return Future.failedFuture(new AccountException(Kind.TOO_MANY,
          "Too many verification e-mails; try again in " + Math.max(1, wait / 1000) + " s"));
    }
    String text = "Hello " + MailText.inline(user.name()) + ",\n\n"
        + "your login code is " + code + ". It is good once, for " + config.loginCodeMinutes() + " minutes.\n\n"
        + "The login came from " + place(ip, device) + ".\n"
        + "If it was not you, someone knows your password: change it, and tell your administrator.\n";
    return mailer.send("login-code", user.email(), "Login code " + code, text)
        .recover(e -> Future.failedFuture(new AccountException(Kind.UNAVAILABLE,
            "The verification e-mail could not be sent: " + e.getMessage())));
  }

  /** Milliseconds until another code may be mailed to this user; 0 (and counted) when now. */
  synchronized long codeWait(String userGuid, long now) {
    long[] w = codes.computeIfAbsent(userGuid, k -> new long[] {now, 0});
    if (now - w[0] >= CODE_WINDOW_MILLIS) {
      w[0] = now;
      w[1] = 0;
    }
    if (w[1] >= CODES_PER_WINDOW) {
      return w[0] + CODE_WINDOW_MILLIS - now;
    }
    w[1]++;
    return 0;
  }

  @Override
  public void lockedOut(User user, String ip, int failures) {
    if (!alarmsOn() || !due("locked:" + user.guid(), System.currentTimeMillis())) {
      return;
    }
    toAdmins("Account " + MailText.inline(user.name()) + " locked after failed logins",
        "The account " + MailText.inline(user.name()) + " was locked after " + failures
            + " failed logins in a row, the last from " + MailText.inline(ip) + ".\n"
            + "Its logins are refused for a while, the right password included; the lock ends by itself.\n"
            + "If this goes on, someone is guessing its password.\n");
  }

  @Override
  public void signedIn(User user, String ip, long at) {
    if (!alarmsOn()) {
      return;
    }
    String network = Networks.of(ip);
    db.list("select ip from login_log where user_guid = ? and result = 'success' and created_at < ?"
            + " order by created_at desc limit ?", r -> r.getString("ip"), user.guid(), at, config.newPlaceLogins())
        .onSuccess(earlier -> {
          if (newPlace(network, earlier) && due("place:" + user.guid(), System.currentTimeMillis())) {
            toAdmins("New place for " + MailText.inline(user.name()),
                "The user " + MailText.inline(user.name()) + " signed in from " + MailText.inline(ip)
                    + ", a network (" + network + ") not among their last " + earlier.size() + " logins.\n"
                    + "If they are not travelling, their password may be known to someone else.\n");
          }
        })
        .onFailure(e -> LOG.debug("login history not read: {}", e.toString()));
  }

  /** A network none of the earlier logins came from; never for a first login. */
  static boolean newPlace(String network, List<String> earlier) {
    return !earlier.isEmpty() && earlier.stream().map(Networks::of).noneMatch(network::equals);
  }

  private boolean alarmsOn() {
    return config.alarms() && mailer.enabled();
  }

  /** Whether an alarm of this key may go now (then it is counted as sent). */
  synchronized boolean due(String key, long now) {
    Long last = alarmed.get(key);
    if (last != null && now - last < TimeUnit.MINUTES.toMillis(config.alarmMinutes())) {
      return false;
    }
    alarmed.put(key, now);
    return true;
  }

  /** Mails every enabled admin with an address; failures are the mailer's to log. */
  private void toAdmins(String subject, String text) {
    db.list("select email from users where is_admin = 1 and status = 1 and email <> '' order by name_key limit ?",
            r -> r.getString("email"), MAX_RECIPIENTS)
        .onSuccess(admins -> admins.stream().filter(MailConfig::address).distinct()
            .forEach(to -> mailer.send("alarm", to, subject, text)))
        .onFailure(e -> LOG.warn("alarm not mailed: the admins could not be read: {}", e.toString()));
  }

  private static String place(String ip, ClientDevice device) {
    StringBuilder b = new StringBuilder(MailText.inline(ip));
    if (device != null && !device.name().isEmpty()) {
      b.append(", device ").append(MailText.inline(device.name()));
      if (!device.os().isEmpty()) {
        b.append(" (").append(MailText.inline(device.os())).append(')');
      }
    }
    if (device != null && !device.id().isEmpty()) {
      b.append(", RustDesk ID ").append(MailText.inline(device.id()));
    }
    return b.toString();
  }
}
