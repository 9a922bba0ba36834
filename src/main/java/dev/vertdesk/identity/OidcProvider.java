package dev.vertdesk.identity;

import dev.vertdesk.config.OidcProviderConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.AzureADAuth;
import io.vertx.ext.auth.oauth2.providers.GithubAuth;
import io.vertx.ext.auth.oauth2.providers.GoogleAuth;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured provider on Vert.x's OAuth2 / OpenID Connect client: its metadata read by
 * discovery ({@code .well-known/openid-configuration}, keys from its {@code jwks_uri}) when it
 * is first needed, and again after a failure once {@link #RETRY_MILLIS} have passed, so that a
 * provider that is down at start-up delays nothing else; the authorization URL (code flow with
 * PKCE S256, state and nonce); the code exchange, whose ID token must be signed by the
 * provider's keys, name this client as its audience, carry the login's nonce and not have
 * expired. GitHub, OAuth 2.0 without OpenID Connect, is read from its REST API instead.
 */
final class OidcProvider {

  private static final Logger LOG = LoggerFactory.getLogger(OidcProvider.class);
  /** A provider that could not be reached is asked again after this long, not at every login. */
  static final long RETRY_MILLIS = 30_000;
  /** Every exchange with the provider (token, keys, userinfo) is bounded by this. */
  static final long TIMEOUT_MILLIS = 10_000;
  /** Discovery (metadata, then keys) runs at start-up, in the background: it may take longer. */
  static final long DISCOVERY_TIMEOUT_MILLIS = 30_000;
  /** Clock skew tolerated on the ID token's expiry. */
  static final long LEEWAY_SECONDS = 60;
  /** Keys are fetched again for an unknown key id at most this often (key rotation). */
  static final long KEY_REFRESH_MILLIS = 60_000;

  private final Vertx vertx;
  private final OidcProviderConfig config;
  private Future<OAuth2Auth> client;
  private long failedAt;
  private long keysFetchedAt;

  OidcProvider(Vertx vertx, OidcProviderConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  OidcProviderConfig config() {
    return config;
  }

  /** The provider's client, discovered once; a failure is remembered for {@link #RETRY_MILLIS}. */
  synchronized Future<OAuth2Auth> client() {
    long now = System.currentTimeMillis();
    if (client == null || client.failed() && now - failedAt >= RETRY_MILLIS) {
      client = create().timeout(DISCOVERY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
          .onFailure(e -> {
            synchronized (this) {
              failedAt = System.currentTimeMillis();
            }
            LOG.warn("single sign-on provider {} ({}) cannot be used: {}", config.name(),
                config.openIdConnect() ? config.issuer() : "GitHub", e.getMessage());
          })
          .onSuccess(auth -> auth.missingKeyHandler(kid -> refreshKeys(auth)));
    }
    return client;
  }

  private Future<OAuth2Auth> create() {
    OAuth2Options options = new OAuth2Options()
        .setClientId(config.clientId())
        .setClientSecret(config.clientSecret())
        .setSite(config.issuer())
        .setUserAgent("Vertdesk")
        .setHttpClientOptions(new HttpClientOptions()
            .setConnectTimeout((int) TIMEOUT_MILLIS)
            // each exchange has its own, shorter time limit (below); this only ends idle connections
            .setIdleTimeout((int) (DISCOVERY_TIMEOUT_MILLIS / 1000))
            .setIdleTimeoutUnit(TimeUnit.SECONDS));
    return switch (config.preset()) {
      case GITHUB -> Future.succeededFuture(GithubAuth.create(vertx, config.clientId(), config.clientSecret(),
          options.getHttpClientOptions()));
      case GOOGLE -> GoogleAuth.discover(vertx, options);
      case AZURE -> AzureADAuth.discover(vertx, options);
      default -> OpenIDConnectAuth.discover(vertx, options);
    };
  }

  /** The provider rotated its keys: fetch them again, at most once a minute. */
  private void refreshKeys(OAuth2Auth auth) {
    synchronized (this) {
      long now = System.currentTimeMillis();
      if (now - keysFetchedAt < KEY_REFRESH_MILLIS) {
        return;
      }
      keysFetchedAt = now;
    }
    auth.jWKSet().onFailure(e -> LOG.warn("keys of {} not refreshed: {}", config.name(), e.getMessage()));
  }

  /** Where the browser goes to sign in. */
  String authorizeUrl(OAuth2Auth auth, String redirectUri, String state, String codeChallenge, String nonce) {
    OAuth2AuthorizationURL url = new OAuth2AuthorizationURL()
        .setRedirectUri(redirectUri)
        .setScopes(config.scopes())
        .setState(state)
        .setCodeChallenge(codeChallenge)
        .setCodeChallengeMethod("S256");
    if (config.openIdConnect()) {
      url.putAdditionalParameter("nonce", nonce);
    }
    return auth.authorizeURL(url);
  }

  /**
   * Trades the browser's code for tokens and says who signed in. Fails (with a message for the
   * log, not for the user) when the provider refuses the code or its answer does not hold up.
   */
  Future<ProviderIdentity> exchange(OAuth2Auth auth, String code, String redirectUri, String verifier, String nonce) {
    Oauth2Credentials credentials = new Oauth2Credentials()
        .setFlow(OAuth2FlowType.AUTH_CODE)
        .setCode(code)
        .setRedirectUri(redirectUri)
        .setCodeVerifier(verifier);
    return auth.authenticate(credentials)
        .compose(user -> config.openIdConnect() ? openIdIdentity(auth, user, nonce) : githubIdentity(auth, user))
        .timeout(TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
  }

  private Future<ProviderIdentity> openIdIdentity(OAuth2Auth auth, User user, String nonce) {
    // Vert.x leaves idToken out when the token's signature, audience, issuer or party do not check out
    JsonObject idToken = user.attributes().getJsonObject("idToken");
    if (idToken == null) {
      return Future.failedFuture("no valid ID token in the answer (signature, audience or issuer wrong, or none)");
    }
    if (!nonce.equals(idToken.getString("nonce"))) {
      return Future.failedFuture("the ID token's nonce is not this login's");
    }
    Object exp = idToken.getValue("exp");
    long nowSeconds = System.currentTimeMillis() / 1000;
    if (!(exp instanceof Number n) || n.longValue() + LEEWAY_SECONDS < nowSeconds) {
      return Future.failedFuture("the ID token has expired");
    }
    JsonObject claims = idToken.copy();
    // userinfo adds what the ID token may leave out (e-mail, names); Vert.x refuses it when it
    // speaks of another subject. The ID token's own claims win.
    return auth.userInfo(user)
        .map(info -> {
          info.forEach(e -> {
            if (!claims.containsKey(e.getKey())) {
              claims.put(e.getKey(), e.getValue());
            }
          });
          return claims;
        })
        .map(ProviderIdentity::fromClaims)
        .compose(id -> id.subject().isEmpty() ? Future.failedFuture("the ID token names no subject")
            : Future.succeededFuture(id));
  }

  private Future<ProviderIdentity> githubIdentity(OAuth2Auth auth, User user) {
    return auth.userInfo(user).map(ProviderIdentity::fromGithub)
        .compose(id -> id.subject().isEmpty() ? Future.failedFuture("GitHub's user has no id")
            : Future.succeededFuture(id));
  }
}
