package dev.vertdesk.identity;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import dev.vertdesk.accounts.PasswordDirectory;
import dev.vertdesk.config.LdapConfig;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password checks against an LDAP directory or Active Directory ({@code accounts.ldap}), with
 * UnboundID's LDAP SDK. Each check opens one connection (ldaps:// or StartTLS when configured,
 * the server's certificate and host name verified), then either searches for the user with the
 * service account and binds as the entry found, or binds directly with a DN (or UPN) pattern;
 * admin-group membership is read from the entry's {@code memberOf} or from the group itself. The
 * calls block, so they run on a small worker pool of their own, each operation within the
 * configured timeouts, and at most {@link #MAX_IN_FLIGHT} checks wait at once.
 */
public final class LdapDirectory implements PasswordDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(LdapDirectory.class);
  /** The provider key of directory users in {@code user_identities}. */
  public static final String PROVIDER = "ldap";
  static final int THREADS = 4;
  static final int MAX_IN_FLIGHT = 64;
  private static final String[] ATTRIBUTES = {"mail", "displayName", "cn", "entryUUID", "objectGUID", "memberOf"};

  private final LdapConfig config;
  private final WorkerExecutor workers;
  private final SSLSocketFactory tls;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final RepeatedLog problems = new RepeatedLog(LOG, 60_000);

  /**
   * @param dataDir where a relative {@code caFile} is
   * @throws IllegalStateException when the CA file cannot be read (a start-up error)
   */
  public LdapDirectory(io.vertx.core.Vertx vertx, LdapConfig config, Path dataDir) {
    this.config = config;
    // its own few threads: a slow directory never holds up Argon2id checks or the database
    this.workers = vertx.createSharedWorkerExecutor("vertdesk-ldap", THREADS);
    this.tls = config.tls() ? socketFactory(config, dataDir) : null;
  }

  private static SSLSocketFactory socketFactory(LdapConfig config, Path dataDir) {
    try {
      X509TrustManager trust = config.caFile().isEmpty() ? JVMDefaultTrustManager.getInstance()
          : new PEMFileTrustManager(dataDir.resolve(config.caFile()).toFile());
      return new SSLUtil(trust).createSSLSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("accounts.ldap.caFile: cannot use " + config.caFile() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String provider() {
    return PROVIDER;
  }

  @Override
  public boolean createUsers() {
    return config.createUsers();
  }

  @Override
  public Future<Answer> check(String name, String password) {
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      return Future.succeededFuture(Answer.of(Result.BUSY));
    }
    return workers.executeBlocking(() -> checkNow(name, password), false)
        .andThen(ar -> inFlight.decrementAndGet());
  }

  /** Blocking: one connection, closed whatever happens. */
  Answer checkNow(String name, String password) {
    if (password.isEmpty() || !plausibleName(name)) {
      return Answer.of(Result.REFUSED); // an empty password would be an anonymous bind
    }
    try (LDAPConnection conn = connect()) {
      return config.userDnPattern().isEmpty() ? searchThenBind(conn, name, password)
          : directBind(conn, name, password);
    } catch (LDAPException e) {
      if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
        return Answer.of(Result.REFUSED);
      }
      problems.warn("ldap-" + e.getResultCode().intValue(), "LDAP directory {} answered {}: {}", config.url(),
          e.getResultCode(), e.getDiagnosticMessage() == null ? e.getExceptionMessage() : e.getDiagnosticMessage());
      return Answer.of(Result.UNAVAILABLE);
    } catch (RuntimeException e) {
      // whatever a strange directory makes the SDK throw, the user hears "cannot be reached"
      problems.warn("ldap-unexpected", "LDAP directory {} could not be used: {}", config.url(), e.toString());
      return Answer.of(Result.UNAVAILABLE);
    }
  }

  /** Names go into filters and DNs escaped; control characters and absurd lengths never get that far. */
  static boolean plausibleName(String name) {
    return !name.isEmpty() && name.length() <= 256 && name.codePoints().noneMatch(Character::isISOControl);
  }

  private LDAPConnection connect() throws LDAPException {
    LDAPConnectionOptions options = new LDAPConnectionOptions();
    options.setConnectTimeoutMillis(config.connectTimeoutMillis());
    options.setResponseTimeoutMillis(config.responseTimeoutMillis());
    options.setAbandonOnTimeout(true);
    options.setUseSynchronousMode(true);
    if (config.tls()) {
      options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(false));
    }
    LDAPConnection conn = config.ldaps()
        ? new LDAPConnection(tls, options, config.host(), config.port())
        : new LDAPConnection(options, config.host(), config.port());
    if (config.startTls()) {
      try {
        var result = conn.processExtendedOperation(new StartTLSExtendedRequest(tls));
        if (result.getResultCode() != ResultCode.SUCCESS) {
          conn.close();
          throw new LDAPException(result.getResultCode(), "StartTLS refused: " + result.getDiagnosticMessage());
        }
      } catch (LDAPException e) {
        conn.close();
        throw e;
      }
    }
    return conn;
  }

  /** The service account (or nobody) finds the one entry the filter names, then the user binds as it. */
  private Answer searchThenBind(LDAPConnection conn, String name, String password) throws LDAPException {
    if (!config.bindDn().isEmpty()) {
      conn.bind(config.bindDn(), config.bindPassword()); // wrong service credentials: UNAVAILABLE, not REFUSED
    }
    Optional<SearchResultEntry> entry = findUser(conn, name);
    if (entry.isEmpty()) {
      return Answer.of(Result.REFUSED);
    }
    // membership is read with the service account's rights, before the connection becomes the user's
    Optional<Boolean> admin = adminOf(conn, entry.get(), name);
    conn.bind(entry.get().getDN(), password);
    return accepted(entry.get(), entry.get().getDN(), admin);
  }

  private Optional<SearchResultEntry> findUser(LDAPConnection conn, String name) throws LDAPException {
    Filter filter = Filter.create(config.userFilter().replace(LdapConfig.USERNAME, Filter.encodeValue(name)));
    SearchRequest search = new SearchRequest(config.baseDn(), SearchScope.SUB, filter, ATTRIBUTES);
    search.setSizeLimit(2);
    search.setTimeLimitSeconds(Math.max(1, config.responseTimeoutMillis() / 1000));
    SearchResult result;
    try {
      result = conn.search(search);
    } catch (LDAPException e) {
      if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED || e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
        return Optional.empty();
      }
      throw e;
    }
    if (result.getEntryCount() != 1) {
      if (result.getEntryCount() > 1) {
        problems.warn("ldap-ambiguous", "LDAP filter {} matches several entries for one name; refused",
            config.userFilter());
      }
      return Optional.empty();
    }
    return Optional.of(result.getSearchEntries().get(0));
  }

  /** A bind as the pattern's DN (or Active Directory UPN), then the entry read as that user. */
  private Answer directBind(LDAPConnection conn, String name, String password) throws LDAPException {
    String pattern = config.userDnPattern();
    boolean isDn = pattern.contains("=");
    String bindName = pattern.replace(LdapConfig.USERNAME, isDn ? dnValue(name) : name);
    conn.bind(bindName, password);
    Optional<SearchResultEntry> entry;
    if (!config.baseDn().isEmpty()) {
      entry = findUser(conn, name);
    } else if (isDn) {
      entry = Optional.ofNullable(conn.getEntry(bindName, ATTRIBUTES));
    } else {
      entry = Optional.empty();
    }
    if (entry.isEmpty()) {
      // bound, but the entry cannot be read: the bind name is what identifies the user
      return new Answer(Result.ACCEPTED, bindName.toLowerCase(Locale.ROOT), "", "",
          config.adminGroup().isEmpty() ? Optional.empty() : Optional.of(false));
    }
    return accepted(entry.get(), entry.get().getDN(), adminOf(conn, entry.get(), name));
  }

  /** A value escaped for a DN (RFC 4514): {@code ,+"\<>;=} and leading or trailing spaces. */
  static String dnValue(String value) {
    String rdn = new RDN("x", value).toString();
    return rdn.substring(2);
  }

  private Answer accepted(SearchResultEntry entry, String dn, Optional<Boolean> admin) {
    String email = first(entry, "mail");
    String display = first(entry, "displayName");
    return new Answer(Result.ACCEPTED, subject(entry, dn), email, display.isEmpty() ? first(entry, "cn") : display,
        admin);
  }

  /** What stays the same when the entry is renamed or moved: entryUUID, objectGUID, else the DN. */
  static String subject(SearchResultEntry entry, String dn) {
    String uuid = first(entry, "entryUUID");
    if (!uuid.isEmpty()) {
      return uuid.toLowerCase(Locale.ROOT);
    }
    byte[] guid = entry.getAttributeValueBytes("objectGUID");
    if (guid != null && guid.length > 0) {
      return "objectguid:" + HexFormat.of().formatHex(guid);
    }
    try {
      return DN.normalize(dn);
    } catch (LDAPException e) {
      return dn.toLowerCase(Locale.ROOT);
    }
  }

  private static String first(SearchResultEntry entry, String attribute) {
    Attribute a = entry.getAttribute(attribute);
    String v = a == null ? null : a.getValue();
    return v == null ? "" : v.strip();
  }

  /**
   * Whether the entry is in the admin group: its {@code memberOf} (Active Directory, OpenLDAP's
   * memberof overlay), else the group's {@code member}, {@code uniqueMember} or {@code memberUid}.
   * Empty when no admin group is configured.
   */
  private Optional<Boolean> adminOf(LDAPConnection conn, SearchResultEntry entry, String name) throws LDAPException {
    String group = config.adminGroup();
    if (group.isEmpty()) {
      return Optional.empty();
    }
    String[] memberOf = entry.getAttributeValues("memberOf");
    if (memberOf != null) {
      for (String g : memberOf) {
        if (sameDn(g, group)) {
          return Optional.of(true);
        }
      }
    }
    Filter member = Filter.createORFilter(Filter.createEqualityFilter("member", entry.getDN()),
        Filter.createEqualityFilter("uniqueMember", entry.getDN()), Filter.createEqualityFilter("memberUid", name));
    try {
      SearchResult r = conn.search(new SearchRequest(group, SearchScope.BASE, member, "1.1"));
      return Optional.of(r.getEntryCount() > 0);
    } catch (LDAPException e) {
      if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT || e.getResultCode() == ResultCode.INSUFFICIENT_ACCESS_RIGHTS) {
        problems.warn("ldap-admin-group", "LDAP admin group {} cannot be read ({}): nobody is an admin through it",
            group, e.getResultCode());
        return Optional.of(false);
      }
      throw e;
    }
  }

  private static boolean sameDn(String a, String b) {
    try {
      return DN.equals(a, b);
    } catch (LDAPException e) {
      return a.equalsIgnoreCase(b);
    }
  }
}
