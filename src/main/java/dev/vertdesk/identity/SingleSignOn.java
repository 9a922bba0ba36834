package dev.vertdesk.identity;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.ClientDevice;
import dev.vertdesk.accounts.IdentityStore;
import dev.vertdesk.accounts.LoginLog;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserStore;
import dev.vertdesk.config.IdentityConfig;
import dev.vertdesk.config.OidcProviderConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single sign-on as the RustDesk client does it ({@code rustdesk/rustdesk:
 * src/hbbs_http/account.rs}): the client asks for a login ({@code POST /api/oidc/auth}) and
 * opens the provider's page in a browser; the provider sends the browser back to
 * {@code /api/oidc/callback}, where the code is traded for the user's identity; meanwhile the
 * client polls {@code GET /api/oidc/auth-query} every second and gets its token once the
 * callback is through. The login's state lives in the shared database, so the three requests
 * may reach three nodes of a cluster. Identities are linked to users by issuer and subject;
 * by e-mail address only when the provider is configured to, and the address is verified.
 * Node-scoped: one per node, shared by the API verticle instances.
 */
public final class SingleSignOn {

  private static final Logger LOG = LoggerFactory.getLogger(SingleSignOn.class);
  /** How long a login may take from the client's request to its last poll (the client gives up after 3 min). */
  static final long LOGIN_MILLIS = 5 * 60_000;
  /** Logins under way from one address at once. */
  static final int MAX_PENDING_PER_ADDRESS = 10;
  /** What the client keeps polling on, word for word. */
  public static final String WAITING = "No authed oidc is found";
  public static final String CALLBACK_PATH = "/api/oidc/callback";

  private final IdentityConfig config;
  private final PendingLogins logins;
  private final AccountService accounts;
  private final UserStore users;
  private final IdentityStore identities;
  private final LoginLog log;
  private final Map<String, OidcProvider> providers = new LinkedHashMap<>();
  private final RepeatedLog problems = new RepeatedLog(LOG, 60_000);

  public SingleSignOn(Vertx vertx, IdentityConfig config, Database db, AccountService accounts,
                      IdentityStore identities, LoginLog log) {
    this.config = config;
    this.logins = new PendingLogins(db);
    this.accounts = accounts;
    this.users = accounts.users();
    this.identities = identities;
    this.log = log;
    for (OidcProviderConfig p : config.oidc()) {
      providers.put(p.name().toLowerCase(Locale.ROOT), new OidcProvider(vertx, p));
    }
  }

  /**
   * Reads every provider's metadata and keys now, in the background, so that the first sign-in
   * does not wait for them (the client gives its request 12 s); a provider that cannot be reached
   * is asked again at a later sign-in.
   */
  public void discover() {
    providers.values().forEach(OidcProvider::client);
  }

  /**
   * {@code GET /api/login-options}: the providers as the client reads them, the list of names and
   * icons first ({@code common-oidc/[...]}, current clients), then one {@code oidc/<name>} each
   * (older clients).
   */
  public JsonArray loginOptions() {
    JsonArray options = new JsonArray();
    if (config.oidc().isEmpty()) {
      return options;
    }
    JsonArray list = new JsonArray();
    for (OidcProviderConfig p : config.oidc()) {
      JsonObject item = new JsonObject().put("name", p.name());
      if (!p.icon().isEmpty()) {
        item.put("icon", p.icon());
      }
      list.add(item);
    }
    options.add("common-oidc/" + list.encode());
    config.oidc().forEach(p -> options.add("oidc/" + p.name()));
    return options;
  }

  /**
   * Where the provider sends the browser back: {@code accounts.publicUrl} when set, else the API
   * address the client was given ({@code apiDomain}), else the address this request came to.
   *
   * @throws AccountException BAD_REQUEST when {@code apiDomain} is not an http(s) URL
   */
  public String redirectUri(String apiDomain, String requestBase) {
    String base = !config.publicUrl().isEmpty() ? config.publicUrl()
        : !apiDomain.isEmpty() ? baseUrl(apiDomain) : requestBase;
    return base + CALLBACK_PATH;
  }

  private static String baseUrl(String text) {
    try {
      URI u = new URI(text);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null && u.getRawUserInfo() == null
          && u.getRawQuery() == null && u.getRawFragment() == null) {
        String s = u.toString();
        while (s.endsWith("/")) {
          s = s.substring(0, s.length() - 1);
        }
        return s;
      }
    } catch (URISyntaxException e) {
      // answered below
    }
    throw new AccountException(Kind.BAD_REQUEST, "apiDomain must be the API server's http(s) address");
  }

  // ------------------------------------------------------------------ 1. the client asks

  /** {@code POST /api/oidc/auth}: {@code {code, url}}, the code to poll with and the page to open. */
  public Future<JsonObject> start(String op, ClientDevice device, String redirectUri, String ip) {
    OidcProvider provider = providers.get(op.toLowerCase(Locale.ROOT));
    if (provider == null) {
      return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "There is no sign-in provider named " + op));
    }
    long now = System.currentTimeMillis();
    return logins.underWayFrom(ip, now).compose(underWay -> {
      if (underWay >= MAX_PENDING_PER_ADDRESS) {
        return Future.failedFuture(new AccountException(Kind.TOO_MANY,
            "Too many sign-ins under way from this address; finish one or wait a few minutes"));
      }
      return provider.client().recover(e -> Future.failedFuture(unreachable(provider)));
    }).compose(auth -> {
      String code = TokenStore.newToken();
      String state = TokenStore.newToken();
      String verifier = TokenStore.newToken(); // 43 characters of [A-Za-z0-9_-], as RFC 7636 asks
      String nonce = TokenStore.newToken();
      String url = provider.authorizeUrl(auth, redirectUri, state, challenge(verifier), nonce);
      return logins.purge(now)
          .compose(n -> logins.create(code, state, provider.config().name(), verifier, nonce, redirectUri, device, ip,
              now, now + LOGIN_MILLIS))
          .map(v -> new JsonObject().put("code", code).put("url", url));
    });
  }

  private static AccountException unreachable(OidcProvider provider) {
    return new AccountException(Kind.UNAVAILABLE,
        "The sign-in provider " + provider.config().name() + " cannot be reached; try again later");
  }

  /** PKCE S256: base64url(SHA-256(verifier)) without padding. */
  static String challenge(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  // ------------------------------------------------------------------ 2. the browser comes back

  /**
   * {@code GET /api/oidc/callback?state=&code=} (or {@code &error=} when the provider did not
   * sign the user in): the name of the user signed in, or a refusal the browser is shown (and the
   * client's next poll reports). A state is good once.
   */
  public Future<String> callback(String state, String code, String providerError) {
    if (state.isEmpty()) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST,
          "This sign-in link is not valid; start again from RustDesk"));
    }
    long now = System.currentTimeMillis();
    return logins.claimState(state, now).compose(login -> {
      if (login == null) {
        return Future.failedFuture(new AccountException(Kind.BAD_REQUEST,
            "This sign-in link is not valid, was used already or has expired; start again from RustDesk"));
      }
      OidcProvider provider = providers.get(login.provider().toLowerCase(Locale.ROOT));
      String method = "oidc/" + login.provider();
      if (provider == null) {
        return fail(state, login, method, "provider-gone", new AccountException(Kind.BAD_REQUEST,
            "This sign-in provider is no longer configured; start again from RustDesk"));
      }
      if (!providerError.isEmpty()) {
        return fail(state, login, method, "provider-error", new AccountException(Kind.FORBIDDEN,
            login.provider() + " did not sign you in (" + providerError + ")"));
      }
      if (code.isEmpty()) {
        return fail(state, login, method, "no-code", new AccountException(Kind.BAD_REQUEST,
            "The sign-in link carries no code; start again from RustDesk"));
      }
      return provider.client()
          .compose(auth -> provider.exchange(auth, code, login.redirectUri(), login.codeVerifier(), login.nonce()))
          .transform(ar -> {
            if (ar.failed()) {
              problems.warn("oidc-exchange-" + login.provider(), "single sign-on with {} failed: {}",
                  login.provider(), String.valueOf(ar.cause().getMessage()));
              return fail(state, login, method, "exchange", new AccountException(Kind.BAD_REQUEST,
                  "The sign-in with " + login.provider() + " could not be completed; start again from RustDesk"));
            }
            return userFor(provider.config(), ar.result()).transform(user -> {
              if (user.failed()) {
                AccountException refusal = user.cause() instanceof AccountException a ? a
                    : new AccountException(Kind.BAD_REQUEST, "The sign-in could not be completed; start again");
                if (!(user.cause() instanceof AccountException)) {
                  problems.warn("oidc-user", "single sign-on user not resolved: {}", user.cause().toString());
                }
                return fail(state, login, method, "account", refusal);
              }
              if (!user.result().enabled()) {
                return fail(state, login, method, "disabled", new AccountException(Kind.FORBIDDEN,
                    "This account is disabled"));
              }
              return logins.authed(state, user.result().guid()).map(user.result().name());
            });
          });
    });
  }

  private Future<String> fail(String state, PendingLogins.Login login, String method, String reason,
                              AccountException refusal) {
    return logins.failed(state, refusal.getMessage())
        .compose(v -> log.record(login.provider(), null, login.ip(), method, LoginLog.Result.FAILURE, reason,
            login.device()))
        .transform(ar -> Future.failedFuture(refusal));
  }

  /**
   * The user of an identity: the one linked to it; else, when configured, the one user with its
   * verified e-mail address (then linked); else a new user when configured; else refused.
   */
  private Future<User> userFor(OidcProviderConfig provider, ProviderIdentity id) {
    String key = provider.identityKey();
    return identities.linked(key, id.subject()).compose(linked -> {
      if (linked != null) {
        return identities.update(linked, id.email(), id.displayName(), java.util.Optional.empty())
            .compose(x -> users.byGuid(linked.guid()));
      }
      if (provider.linkByEmail() && id.emailVerified() && !id.email().isEmpty()) {
        return identities.byEmail(id.email()).compose(same -> {
          if (same.size() > 1) {
            return Future.failedFuture(new AccountException(Kind.FORBIDDEN,
                "Several accounts here have this e-mail address; ask an administrator"));
          }
          if (same.size() == 1) {
            User user = same.get(0);
            return identities.link(key, id.subject(), user.guid()).map(user)
                .onSuccess(u -> LOG.info("linked {} identity {} to user {} by its verified e-mail address",
                    provider.name(), id.subject(), u.name()));
          }
          return created(provider, id);
        });
      }
      return created(provider, id);
    });
  }

  private Future<User> created(OidcProviderConfig provider, ProviderIdentity id) {
    if (!provider.createUsers()) {
      return Future.failedFuture(new AccountException(Kind.FORBIDDEN,
          "There is no account here for this sign-in; ask an administrator"));
    }
    List<String> names = new ArrayList<>();
    for (String c : id.nameCandidates()) {
      names.add(c);
    }
    String base = names.isEmpty() ? provider.name().toLowerCase(Locale.ROOT) : names.get(0);
    names.add(base + "@" + provider.name());
    names.add(base + "-" + TokenStore.hash(provider.identityKey() + " " + id.subject()).substring(0, 8));
    return createAs(provider, id, names, 0)
        .onSuccess(u -> LOG.info("created user {} at the first sign-in through {}", u.name(), provider.name()));
  }

  /** Tries the names in turn: a name taken here belongs to someone else and is never shared. */
  private Future<User> createAs(OidcProviderConfig provider, ProviderIdentity id, List<String> names, int i) {
    if (i == names.size()) {
      return Future.failedFuture(new AccountException(Kind.CONFLICT,
          "No free user name for this sign-in; ask an administrator"));
    }
    return identities.create(names.get(i), id.displayName(), id.email(), false, provider.identityKey(), id.subject())
        .recover(e -> e instanceof AccountException a && (a.kind() == Kind.CONFLICT || a.kind() == Kind.BAD_REQUEST)
            ? createAs(provider, id, names, i + 1) : Future.failedFuture(e));
  }

  // ------------------------------------------------------------------ 3. the client polls

  /**
   * {@code GET /api/oidc/auth-query}: the client's token once the browser is through (once
   * only), the refusal when it was refused, else {@link #WAITING}, also for a code nobody knows.
   */
  public Future<JsonObject> poll(String code, String deviceId, String deviceUuid, String ip) {
    long now = System.currentTimeMillis();
    return logins.claimCode(code, deviceId, deviceUuid, now).compose(login -> {
      if (login != null) {
        return users.byGuid(login.userGuid()).compose(user -> user == null
            ? Future.failedFuture(new AccountException(Kind.FORBIDDEN, "This account no longer exists"))
            : accounts.providerLogin(user, login.device(), ip, "oidc/" + login.provider()));
      }
      return logins.byCode(code).compose(known -> {
        if (known == null || known.expiresAt() < now || !known.device().id().equals(deviceId)
            || !known.device().uuid().equals(deviceUuid)) {
          return Future.failedFuture(new AccountException(Kind.NOT_FOUND, WAITING));
        }
        return switch (known.status()) {
          case PendingLogins.FAILED -> Future.failedFuture(new AccountException(Kind.FORBIDDEN, known.error()));
          case PendingLogins.DONE -> Future.failedFuture(new AccountException(Kind.CONFLICT,
              "This sign-in was completed already; sign in again"));
          default -> Future.failedFuture(new AccountException(Kind.NOT_FOUND, WAITING));
        };
      });
    });
  }
}
