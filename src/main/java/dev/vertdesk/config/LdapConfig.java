package dev.vertdesk.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Password sign-in against an LDAP directory or Active Directory ({@code accounts.ldap}). The
 * directory checks the password (a bind as the user); nothing of it is stored.
 *
 * @param enabled               whether names without a local password are tried against the directory
 * @param url                   {@code ldap://host[:389]} or {@code ldaps://host[:636]}, as configured
 * @param host                  its host
 * @param port                  its port (389 or 636 when not given)
 * @param ldaps                 TLS from the first byte ({@code ldaps://})
 * @param startTls              StartTLS on an {@code ldap://} connection before anything is sent
 * @param caFile                PEM file of the certificate authorities trusted for TLS, relative to the
 *                              data directory; empty: the Java runtime's trusted authorities
 * @param bindDn                the service account that searches for users; empty: anonymous search
 * @param bindPassword          its password
 * @param baseDn                where users are searched
 * @param userFilter            the search filter, {@code {username}} standing for the escaped name typed
 * @param userDnPattern         direct bind without search: the user's DN or, for Active Directory, UPN
 *                              ({@code {username}@corp.example.com}); empty: search then bind
 * @param adminGroup            DN of the group whose members are admins here (checked at every login)
 * @param createUsers           a directory user without an account here gets one at first login
 * @param connectTimeoutMillis  time allowed to connect (and for the TLS handshake)
 * @param responseTimeoutMillis time allowed for each answer of the directory
 */
public record LdapConfig(boolean enabled, String url, String host, int port, boolean ldaps, boolean startTls,
                         String caFile, String bindDn, String bindPassword, String baseDn, String userFilter,
                         String userDnPattern, String adminGroup, boolean createUsers, int connectTimeoutMillis,
                         int responseTimeoutMillis) {

  public static final String USERNAME = "{username}";

  static LdapConfig from(ConfigBlock b) {
    boolean enabled = b.bool("enabled");
    String url = b.string("url");
    String host = "";
    int port = 0;
    boolean ldaps = false;
    if (enabled || !url.isEmpty()) {
      URI u;
      try {
        u = new URI(url);
      } catch (URISyntaxException e) {
        throw new ConfigException(b.path("url"), "not a URL: " + url);
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("ldap") && !scheme.equals("ldaps") || u.getHost() == null) {
        throw new ConfigException(b.path("url"), url.isEmpty() ? "must be set when enabled"
            : "expected ldap://host[:port] or ldaps://host[:port], got " + url);
      }
      if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")
          || u.getRawQuery() != null || u.getRawUserInfo() != null) {
        throw new ConfigException(b.path("url"), "only scheme, host and port: the base DN and the bind account"
            + " have keys of their own, got " + url);
      }
      ldaps = scheme.equals("ldaps");
      host = u.getHost();
      port = u.getPort() < 0 ? (ldaps ? 636 : 389) : u.getPort();
    }
    boolean startTls = b.bool("startTls");
    if (startTls && ldaps) {
      throw new ConfigException(b.path("startTls"), "ldaps:// is TLS already; StartTLS is for ldap://");
    }
    String bindDn = b.string("bindDn");
    String bindPassword = b.string("bindPassword");
    if (!bindDn.isEmpty() && bindPassword.isEmpty() && enabled) {
      throw new ConfigException(b.path("bindPassword"), "must be set with bindDn");
    }
    if (bindDn.isEmpty() && !bindPassword.isEmpty()) {
      throw new ConfigException(b.path("bindDn"), "must be set with bindPassword");
    }
    String baseDn = b.string("baseDn");
    String userFilter = b.string("userFilter");
    String userDnPattern = b.string("userDnPattern");
    if (enabled) {
      if (userDnPattern.isEmpty()) {
        if (baseDn.isEmpty()) {
          throw new ConfigException(b.path("baseDn"), "must be set to search for users (or set userDnPattern)");
        }
        if (!userFilter.contains(USERNAME)) {
          throw new ConfigException(b.path("userFilter"), "must contain " + USERNAME + ", got " + userFilter);
        }
        if (!userFilter.startsWith("(") || !userFilter.endsWith(")")) {
          throw new ConfigException(b.path("userFilter"), "expected an LDAP filter in parentheses, got " + userFilter);
        }
      } else if (!userDnPattern.contains(USERNAME)) {
        throw new ConfigException(b.path("userDnPattern"), "must contain " + USERNAME + ", got " + userDnPattern);
      }
    }
    return new LdapConfig(enabled, url, host, port, ldaps, startTls, b.string("caFile"), bindDn, bindPassword,
        baseDn, userFilter, userDnPattern, b.string("adminGroup"), b.bool("createUsers"),
        b.integer("connectTimeoutMillis", 100, 60_000), b.integer("responseTimeoutMillis", 100, 60_000));
  }

  /** TLS of either kind. */
  public boolean tls() {
    return ldaps || startTls;
  }

  @Override
  public String toString() {
    // the bind password never reaches a log line
    return "LdapConfig[" + url + ", bindDn=" + bindDn + ", baseDn=" + baseDn + "]";
  }
}
