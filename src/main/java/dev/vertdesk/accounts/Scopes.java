package dev.vertdesk.accounts;

import java.util.Set;

/**
 * What an API token may do, one scope per area of the admin API (the permissions of Pro's API
 * tokens): a token acts as an admin within its scopes only. Sessions have no scopes: their user's
 * admin flag decides. Managing API tokens themselves takes an admin's session, never a token, so a
 * leaked token can neither mint others nor outlive its expiry.
 */
public final class Scopes {

  public static final String DEVICES = "devices";
  public static final String USERS = "users";
  /** User groups, device groups and their members. */
  public static final String GROUPS = "groups";
  public static final String AUDIT = "audit";
  public static final String ADDRESS_BOOKS = "address_books";
  public static final String STRATEGIES = "strategies";

  public static final Set<String> ALL = Set.of(DEVICES, USERS, GROUPS, AUDIT, ADDRESS_BOOKS, STRATEGIES);

  private Scopes() {
  }

  /**
   * Whether {@code p} may act as an admin in {@code scope}: an admin's session, or an API token
   * of an admin that carries the scope.
   */
  public static boolean allows(Principal p, String scope) {
    if (p == null || !p.admin()) {
      return false;
    }
    return Principal.SESSION.equals(p.kind()) || (Principal.API.equals(p.kind()) && p.scopes().contains(scope));
  }
}
