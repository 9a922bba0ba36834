package dev.vertdesk.testing;

import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * A real OpenID Connect provider on 127.0.0.1 (NAV's mock-oauth2-server: discovery, JWKS,
 * authorization code flow with PKCE, userinfo), and a browser for it: the provider signs in
 * without a login form, so following its redirect is what a person's browser would do.
 */
public final class TestProvider implements AutoCloseable {

  private final MockOAuth2Server server = new MockOAuth2Server();
  private final HttpClient browser = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  public TestProvider() throws Exception {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    // its first answer loads its own classes (Kotlin, templates, JSON): seconds on a busy machine,
    // better spent here than in the server's first discovery
    browser.send(HttpRequest.newBuilder(URI.create(issuer("warm-up") + "/.well-known/openid-configuration")).build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /** The issuer of a tenant of the provider ({@code http://127.0.0.1:<port>/<tenant>}). */
  public String issuer(String tenant) {
    return server.issuerUrl(tenant).toString().replace("localhost", "127.0.0.1").replaceAll("/$", "");
  }

  /** A provider entry of {@code accounts.oidc} for that tenant. */
  public JsonObject provider(String name, String tenant) {
    return new JsonObject().put("name", name).put("issuer", issuer(tenant)).put("clientId", "vertdesk")
        .put("clientSecret", "vertdesk-secret");
  }

  /** The next sign-in at {@code tenant} is {@code subject} with these claims (ID token, access token, userinfo). */
  public void nextUser(String tenant, String subject, Map<String, Object> claims) {
    server.enqueueCallback(new DefaultOAuth2TokenCallback(tenant, subject, "JWT", null, claims, 3600));
  }

  /** The browser opens the provider's page; the answer is the redirect back to the server (its Location). */
  public URI signIn(String url) throws Exception {
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    String location = r.headers().firstValue("Location")
        .orElseThrow(() -> new AssertionError("no redirect from the provider: " + r.statusCode() + " " + r.body()));
    return URI.create(location);
  }

  /** The browser follows that redirect to the server, as a browser asks (HTML first). */
  public HttpResponse<String> follow(URI callback) throws Exception {
    return browser.send(HttpRequest.newBuilder(callback).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
