package dev.vertdesk.accounts;

import java.util.Set;

/**
 * Who a valid bearer token speaks for.
 *
 * @param tokenHash SHA-256 of the token, as stored
 * @param kind      {@code session} (a client's login) or {@code api} (an admin's API token)
 * @param user      the account; for an API token, its creator
 * @param scopes    what an API token may do; empty for a session (its user's rights apply)
 */
public record Principal(String tokenHash, String kind, User user, Set<String> scopes, long expiresAt) {

  public static final String SESSION = "session";
  public static final String API = "api";

  public boolean admin() {
    return user != null && user.admin();
  }
}
