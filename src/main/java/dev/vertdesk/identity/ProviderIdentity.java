package dev.vertdesk.identity;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a provider says signed in.
 *
 * @param subject       the provider's stable identifier of the user ({@code sub}, GitHub's numeric id)
 * @param email         the e-mail address it gives, or empty
 * @param emailVerified whether the provider vouches for that address ({@code email_verified})
 * @param displayName   the full name, or empty
 * @param login         the short name the user is known by there ({@code preferred_username}, GitHub's
 *                      login), or empty
 */
record ProviderIdentity(String subject, String email, boolean emailVerified, String displayName, String login) {

  /** From OpenID Connect claims (the ID token's, completed by userinfo's). */
  static ProviderIdentity fromClaims(JsonObject claims) {
    Object verified = claims.getValue("email_verified");
    return new ProviderIdentity(text(claims, "sub"), text(claims, "email"),
        Boolean.TRUE.equals(verified) || "true".equals(verified), text(claims, "name"),
        text(claims, "preferred_username"));
  }

  /**
   * From GitHub's {@code GET /user}: the numeric id is the subject (a login can be renamed and
   * taken by someone else). GitHub vouches for no address there, so it counts as unverified.
   */
  static ProviderIdentity fromGithub(JsonObject user) {
    Object id = user.getValue("id");
    return new ProviderIdentity(id instanceof Number n ? String.valueOf(n.longValue()) : "", text(user, "email"),
        false, text(user, "name"), text(user, "login"));
  }

  private static String text(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof String s ? s.strip() : "";
  }

  /**
   * Names to give a new user, best first: the login there, the e-mail address, the full name; a
   * name taken here is never shared, see {@code SingleSignOn}.
   */
  List<String> nameCandidates() {
    List<String> out = new ArrayList<>();
    for (String n : List.of(login, email, displayName)) {
      String clean = n.codePoints().filter(c -> !Character.isISOControl(c))
          .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
      if (!clean.isEmpty() && clean.length() <= 100 && !out.contains(clean)) {
        out.add(clean);
      }
    }
    return out;
  }
}
