package dev.vertdesk.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sign-in through other systems ({@code accounts.publicUrl}, {@code accounts.oidc},
 * {@code accounts.ldap}): single sign-on providers and an LDAP / Active Directory directory.
 *
 * @param publicUrl the API server's address as browsers reach it ({@code https://rd.example.com}),
 *                  without a trailing slash; empty: the address the client was told
 *                  ({@code apiDomain} of its sign-in request)
 * @param oidc      the single sign-on providers, in the order the client lists them
 * @param ldap      the directory whose users may sign in with their password
 */
public record IdentityConfig(String publicUrl, List<OidcProviderConfig> oidc, LdapConfig ldap) {

  /** More providers than fit on a login dialog is a configuration mistake. */
  static final int MAX_PROVIDERS = 20;

  static IdentityConfig from(ConfigBlock accounts) {
    String publicUrl = accounts.string("publicUrl");
    if (!publicUrl.isEmpty()) {
      publicUrl = httpUrl(accounts.path("publicUrl"), publicUrl, true);
      URI u = URI.create(publicUrl);
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        throw new ConfigException(accounts.path("publicUrl"), "must have no query or fragment: " + publicUrl);
      }
      while (publicUrl.endsWith("/")) {
        publicUrl = publicUrl.substring(0, publicUrl.length() - 1);
      }
    }
    List<ConfigBlock> blocks = accounts.blocks("oidc");
    if (blocks.size() > MAX_PROVIDERS) {
      throw new ConfigException(accounts.path("oidc"), blocks.size() + " providers; at most " + MAX_PROVIDERS);
    }
    List<OidcProviderConfig> providers = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigBlock b : blocks) {
      OidcProviderConfig p = OidcProviderConfig.from(b);
      if (!names.add(p.name().toLowerCase(Locale.ROOT))) {
        throw new ConfigException(b.path("name"), "another provider is named " + p.name());
      }
      providers.add(p);
    }
    return new IdentityConfig(publicUrl, List.copyOf(providers), LdapConfig.from(accounts.child("ldap")));
  }

  /** The provider of that name (as the client sends it in {@code op}), whatever its case. */
  public java.util.Optional<OidcProviderConfig> provider(String name) {
    return oidc.stream().filter(p -> p.name().equalsIgnoreCase(name)).findFirst();
  }

  /**
   * An absolute http(s) URL with a host. Plain http only to a loopback host unless
   * {@code plainHttpAnywhere}: what travels there (codes, tokens, secrets) must not cross a network
   * in clear.
   */
  static String httpUrl(String key, String text, boolean plainHttpAnywhere) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "not a URL: " + text);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http") || u.getHost() == null || u.getHost().isEmpty()) {
      throw new ConfigException(key, "expected an http:// or https:// URL with a host, got " + text);
    }
    if (scheme.equals("http") && !plainHttpAnywhere && !loopback(u.getHost())) {
      throw new ConfigException(key, "must be https:// (plain http only to a loopback address): " + text);
    }
    if (u.getRawUserInfo() != null) {
      throw new ConfigException(key, "must not carry a user or password: " + text);
    }
    return text;
  }

  static boolean loopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || h.startsWith("127.") || h.equals("::1");
  }
}
