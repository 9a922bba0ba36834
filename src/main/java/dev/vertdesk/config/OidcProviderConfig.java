package dev.vertdesk.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One single sign-on provider ({@code accounts.oidc.N}).
 *
 * @param name         what the client shows and sends back as {@code op}: letters, digits, space,
 *                     {@code . _ -}, up to 32 characters, unique whatever the case
 * @param preset       which kind of provider, for its defaults
 * @param issuer       the OpenID Connect issuer whose {@code .well-known/openid-configuration} is
 *                     read; empty for GitHub (OAuth 2.0 without discovery)
 * @param clientId     the client registered at the provider
 * @param clientSecret its secret
 * @param scopes       scopes asked for; {@code openid} always among them for OpenID Connect
 * @param icon         an http(s) URL of an image for the login button, or empty
 * @param createUsers  an unknown identity gets a new user; otherwise it is refused
 * @param linkByEmail  an unknown identity with a verified e-mail address is linked to the one user
 *                     with that address (otherwise identities are linked by issuer and subject only)
 */
public record OidcProviderConfig(String name, Preset preset, String issuer, String clientId, String clientSecret,
                                 List<String> scopes, String icon, boolean createUsers, boolean linkByEmail) {

  /** The kinds of provider with defaults of their own. */
  public enum Preset {
    /** Any OpenID Connect provider, by its issuer. */
    OIDC,
    GOOGLE,
    /** Microsoft Entra ID (Azure AD), v2.0 endpoints of one tenant. */
    AZURE,
    KEYCLOAK,
    AUTHENTIK,
    /** OAuth 2.0 without OpenID Connect: the user comes from GitHub's REST API. */
    GITHUB;

    static Preset parse(String key, String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "", "oidc" -> OIDC;
        case "google" -> GOOGLE;
        case "azure", "entra" -> AZURE;
        case "keycloak" -> KEYCLOAK;
        case "authentik" -> AUTHENTIK;
        case "github" -> GITHUB;
        default -> throw new ConfigException(key,
            "expected oidc, google, azure (or entra), keycloak, authentik or github, got " + text);
      };
    }
  }

  public static final String GOOGLE_ISSUER = "https://accounts.google.com";
  /** Tenants that stand for many: their tokens name the user's own tenant, no single issuer. */
  private static final List<String> MULTI_TENANT = List.of("common", "organizations", "consumers");

  static OidcProviderConfig from(ConfigBlock b) {
    String name = b.string("name");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}")) {
      throw new ConfigException(b.path("name"), name.isEmpty() ? "must be set"
          : "1 to 32 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit: " + name);
    }
    Preset preset = Preset.parse(b.path("preset"), b.string("preset"));
    String issuer = b.string("issuer");
    String tenant = b.string("tenant");
    if (!tenant.isEmpty() && preset != Preset.AZURE) {
      throw new ConfigException(b.path("tenant"), "only for the azure preset");
    }
    switch (preset) {
      case GOOGLE -> issuer = issuer.isEmpty() ? GOOGLE_ISSUER : issuer;
      case AZURE -> {
        if (issuer.isEmpty()) {
          if (!tenant.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,99}")) {
            throw new ConfigException(b.path("tenant"), tenant.isEmpty()
                ? "must be set for the azure preset (the directory (tenant) ID, or a domain of the tenant)"
                : "expected a tenant ID or domain: " + tenant);
          }
          if (MULTI_TENANT.contains(tenant.toLowerCase(Locale.ROOT))) {
            throw new ConfigException(b.path("tenant"), "'" + tenant + "' names no single tenant whose tokens can be"
                + " checked; give the directory (tenant) ID");
          }
          issuer = "https://login.microsoftonline.com/" + tenant + "/v2.0";
        }
      }
      case GITHUB -> {
        if (!issuer.isEmpty()) {
          throw new ConfigException(b.path("issuer"), "GitHub has no OpenID Connect issuer; leave it empty");
        }
      }
      default -> {
        if (issuer.isEmpty()) {
          throw new ConfigException(b.path("issuer"), "must be set for the " + preset.name().toLowerCase(Locale.ROOT)
              + " preset (the URL before /.well-known/openid-configuration)");
        }
      }
    }
    if (!issuer.isEmpty()) {
      IdentityConfig.httpUrl(b.path("issuer"), issuer, false);
      while (issuer.endsWith("/") && issuer.length() > "https://x/".length()) {
        // discovery appends /.well-known/...; the issuer's own trailing slash (authentik) comes back from it
        issuer = issuer.substring(0, issuer.length() - 1);
      }
    }
    String clientId = b.string("clientId");
    if (clientId.isEmpty()) {
      throw new ConfigException(b.path("clientId"), "must be set");
    }
    String clientSecret = b.string("clientSecret");
    if (clientSecret.isEmpty()) {
      throw new ConfigException(b.path("clientSecret"), "must be set");
    }
    List<String> scopes = new ArrayList<>();
    for (String scope : b.list("scopes")) {
      for (String s : scope.split("\\s+")) {
        if (!s.isEmpty() && !scopes.contains(s)) {
          scopes.add(s);
        }
      }
    }
    if (scopes.isEmpty()) {
      scopes.addAll(preset == Preset.GITHUB ? List.of("read:user", "user:email") : List.of("openid", "email", "profile"));
    } else if (preset != Preset.GITHUB && !scopes.contains("openid")) {
      scopes.add(0, "openid");
    }
    String icon = b.string("icon");
    if (!icon.isEmpty()) {
      IdentityConfig.httpUrl(b.path("icon"), icon, true);
    }
    return new OidcProviderConfig(name, preset, issuer, clientId, clientSecret, List.copyOf(scopes), icon,
        b.bool("createUsers"), b.bool("linkByEmail"));
  }

  /** OpenID Connect (discovery, ID token), as opposed to GitHub's plain OAuth 2.0. */
  public boolean openIdConnect() {
    return preset != Preset.GITHUB;
  }

  /** What identities of this provider are recorded under: the issuer, or GitHub's address. */
  public String identityKey() {
    return preset == Preset.GITHUB ? "https://github.com" : issuer;
  }

  @Override
  public String toString() {
    // the secret never reaches a log line
    return "OidcProviderConfig[" + name + ", " + preset + ", " + issuer + ", " + clientId + "]";
  }
}
