package dev.vertdesk.config;

import java.util.Locale;

/**
 * Outgoing e-mail ({@code mail}): the SMTP server that carries login codes, invitations and
 * alarms to admins, and how those are paced. Off unless {@code enabled}; nothing is mailed then.
 *
 * @param enabled              whether this node sends e-mail
 * @param host                 the SMTP server (required when enabled)
 * @param port                 its port (587 for STARTTLS submission, 465 for TLS, 25 plain)
 * @param security             how the connection is protected: {@code starttls} (required: a server
 *                             that does not offer it is refused), {@code tls} (TLS from the first
 *                             byte), {@code none} (plain, only to a loopback host)
 * @param username             SMTP login; empty: none
 * @param password             its password (never logged)
 * @param from                 the sender address ({@code vertdesk@example.com}), required when enabled
 * @param connectTimeoutMillis time allowed to connect to the SMTP server
 * @param sendTimeoutMillis    time allowed for one message, connection included; whoever waits for
 *                             it (a login, an invitation) is then told the mail could not be sent
 * @param requireLoginCode     every user with an e-mail address confirms each password login with
 *                             a code mailed to it (users can also turn it on for themselves)
 * @param loginCodeMinutes     how long a mailed login code is good
 * @param invitationHours      how long an invitation link is good
 * @param alarms               mail admins about locked accounts and logins from a new network
 * @param alarmMinutes         at most one alarm of each kind per user this often
 * @param newPlaceLogins       a login is from a new place when its network (an IPv4 /24, an IPv6
 *                             /48) is in none of the user's last this many successful logins
 */
public record MailConfig(boolean enabled, String host, int port, String security, String username, String password,
                         String from, int connectTimeoutMillis, int sendTimeoutMillis, boolean requireLoginCode,
                         int loginCodeMinutes, int invitationHours, boolean alarms, int alarmMinutes,
                         int newPlaceLogins) {

  public static final String STARTTLS = "starttls";
  public static final String TLS = "tls";
  public static final String NONE = "none";
  /** An address as the SMTP envelope and headers take it; the longest RFC 5321 allows. */
  static final int MAX_ADDRESS = 254;

  static MailConfig from(ConfigBlock c) {
    String security = c.string("security").toLowerCase(Locale.ROOT);
    if (!security.equals(STARTTLS) && !security.equals(TLS) && !security.equals(NONE)) {
      throw new ConfigException(c.path("security"), "expected starttls, tls or none, got " + security);
    }
    MailConfig m = new MailConfig(
        c.bool("enabled"),
        c.string("host"),
        c.integer("port", 1, 65535),
        security,
        c.string("username"),
        c.string("password"),
        c.string("from"),
        c.integer("connectTimeoutMillis", 100, 600_000),
        c.integer("sendTimeoutMillis", 100, 600_000),
        c.bool("requireLoginCode"),
        c.integer("loginCodeMinutes", 1, 60),
        c.integer("invitationHours", 1, 720),
        c.bool("alarms"),
        c.integer("alarmMinutes", 1, 10_080),
        c.integer("newPlaceLogins", 1, 1000));
    if (!m.host.isEmpty() && !m.host.matches("[A-Za-z0-9._:\\[\\]-]{1,253}")) {
      throw new ConfigException(c.path("host"), "not a host name or address: " + m.host);
    }
    if (!m.from.isEmpty() && !address(m.from)) {
      throw new ConfigException(c.path("from"), "not an e-mail address: " + m.from);
    }
    if (m.username.chars().anyMatch(Character::isISOControl) || m.password.chars().anyMatch(Character::isISOControl)) {
      throw new ConfigException(c.path("username"), "the SMTP login must not contain control characters");
    }
    if (m.enabled) {
      if (m.host.isEmpty()) {
        throw new ConfigException(c.path("host"), "must be set when mail.enabled is true");
      }
      if (m.from.isEmpty()) {
        throw new ConfigException(c.path("from"), "must be set when mail.enabled is true");
      }
      if (m.security.equals(NONE) && !IdentityConfig.loopback(m.host)) {
        // passwords, login codes and invitation links must not cross a network in clear
        throw new ConfigException(c.path("security"), "none (plain SMTP) only to a loopback host; use starttls or tls");
      }
    }
    if (m.requireLoginCode && !m.enabled) {
      throw new ConfigException(c.path("requireLoginCode"), "needs mail.enabled: the codes are mailed");
    }
    return m;
  }

  /** Without the SMTP password: a configuration may be printed, its secrets never. */
  @Override
  public String toString() {
    return "MailConfig[enabled=" + enabled + ", host=" + host + ", port=" + port + ", security=" + security
        + ", username=" + username + ", password=" + (password.isEmpty() ? "" : "***") + ", from=" + from + "]";
  }

  /**
   * An address that can go into an SMTP envelope and a header as it is: one {@code @} between a
   * non-empty local part and a domain, at most {@value #MAX_ADDRESS} characters, and none of the
   * characters that would end a header, start another address or a comment (CR, LF, spaces,
   * quotes, angle brackets, commas, semicolons, colons, parentheses, backslashes).
   */
  public static boolean address(String a) {
    if (a == null || a.isEmpty() || a.length() > MAX_ADDRESS) {
      return false;
    }
    int at = a.indexOf('@');
    if (at <= 0 || at != a.lastIndexOf('@') || at == a.length() - 1) {
      return false;
    }
    String domain = a.substring(at + 1);
    if (domain.startsWith(".") || domain.endsWith(".") || domain.contains("..")) {
      return false;
    }
    return a.codePoints().allMatch(ch -> ch > 0x20 && ch != 0x7f && !Character.isISOControl(ch)
        && !Character.isWhitespace(ch) && "\"<>()[],;:\\".indexOf(ch) < 0);
  }
}
