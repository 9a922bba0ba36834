package dev.vertdesk.audit;

import java.util.Map;

/**
 * What an admin route changes, for the console-operation log: the area ({@code typ}: 0 groups, 1
 * users, 2 devices, 3 address books, as Pro's console records type them), Pro's operation code
 * ({@code iop}, rustdesk/rustdesk: res/audits.py; -1 where Pro has none) and our own name.
 * Strategies have no type of Pro's: they are {@link #STRATEGIES}.
 * Routes are named by method and path pattern as the router declares them; a route that changes
 * something and is not named here is not logged, so new admin routes add their line.
 */
public record ConsoleOperation(int typ, int iop, String name) {

  public static final int GROUPS = 0;
  public static final int USERS = 1;
  public static final int DEVICES = 2;
  public static final int ADDRESS_BOOKS = 3;
  public static final int STRATEGIES = 4;

  private static final Map<String, ConsoleOperation> BY_ROUTE = Map.ofEntries(
      Map.entry("POST /api/users", new ConsoleOperation(USERS, 2, "user.create")),
      Map.entry("POST /api/users/force-logout", new ConsoleOperation(USERS, -1, "user.force-logout")),
      Map.entry("PUT /api/users/disable_login_verification", new ConsoleOperation(USERS, 11, "user.reset-verification")),
      Map.entry("POST /api/users/:guid/enable", new ConsoleOperation(USERS, 6, "user.enable")),
      Map.entry("POST /api/users/:guid/disable", new ConsoleOperation(USERS, 7, "user.disable")),
      Map.entry("PUT /api/users/:guid", new ConsoleOperation(USERS, 11, "user.update")),
      Map.entry("DELETE /api/users/:guid", new ConsoleOperation(USERS, 13, "user.delete")),
      Map.entry("POST /api/tokens", new ConsoleOperation(USERS, -1, "token.create")),
      Map.entry("DELETE /api/tokens/:id", new ConsoleOperation(USERS, -1, "token.delete")),
      Map.entry("POST /api/user-groups", new ConsoleOperation(GROUPS, 1, "user-group.create")),
      Map.entry("PATCH /api/user-groups/:guid", new ConsoleOperation(GROUPS, 10, "user-group.update")),
      Map.entry("DELETE /api/user-groups/:guid", new ConsoleOperation(GROUPS, 4, "user-group.delete")),
      Map.entry("POST /api/user-groups/:guid", new ConsoleOperation(GROUPS, 10, "user-group.add-members")),
      Map.entry("POST /api/device-groups", new ConsoleOperation(GROUPS, 1, "device-group.create")),
      Map.entry("PATCH /api/device-groups/:guid", new ConsoleOperation(GROUPS, 10, "device-group.update")),
      Map.entry("DELETE /api/device-groups/:guid", new ConsoleOperation(GROUPS, 4, "device-group.delete")),
      Map.entry("POST /api/device-groups/:guid", new ConsoleOperation(GROUPS, 10, "device-group.add-devices")),
      Map.entry("DELETE /api/device-groups/:guid/devices", new ConsoleOperation(GROUPS, 10, "device-group.remove-devices")),
      Map.entry("POST /api/devices/deploy", new ConsoleOperation(DEVICES, 3, "device.deploy")),
      Map.entry("POST /api/devices/cli", new ConsoleOperation(DEVICES, 12, "device.assign")),
      Map.entry("POST /api/devices/:guid/enable", new ConsoleOperation(DEVICES, 8, "device.enable")),
      Map.entry("POST /api/devices/:guid/disable", new ConsoleOperation(DEVICES, 9, "device.disable")),
      Map.entry("DELETE /api/devices/:guid", new ConsoleOperation(DEVICES, 14, "device.delete")),
      Map.entry("POST /api/devices/:guid/assign", new ConsoleOperation(DEVICES, 12, "device.assign")),
      Map.entry("POST /api/devices/:guid/disconnect", new ConsoleOperation(DEVICES, -1, "device.disconnect")),
      Map.entry("POST /api/users/invite", new ConsoleOperation(USERS, 2, "user.invite")),
      Map.entry("PUT /api/users/enable_login_verification", new ConsoleOperation(USERS, 11, "user.require-verification")),
      Map.entry("POST /api/ab/shared/add", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.create")),
      Map.entry("PUT /api/ab/shared/update/profile", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.update")),
      Map.entry("DELETE /api/ab/shared", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.delete")),
      Map.entry("POST /api/ab/rule", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.rule-create")),
      Map.entry("PATCH /api/ab/rule", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.rule-update")),
      Map.entry("DELETE /api/ab/rules", new ConsoleOperation(ADDRESS_BOOKS, -1, "address-book.rule-delete")),
      Map.entry("POST /api/strategies", new ConsoleOperation(STRATEGIES, -1, "strategy.create")),
      Map.entry("PATCH /api/strategies/:guid", new ConsoleOperation(STRATEGIES, -1, "strategy.update")),
      Map.entry("PUT /api/strategies/:guid/status", new ConsoleOperation(STRATEGIES, -1, "strategy.status")),
      Map.entry("DELETE /api/strategies/:guid", new ConsoleOperation(STRATEGIES, -1, "strategy.delete")),
      Map.entry("POST /api/strategies/assign", new ConsoleOperation(STRATEGIES, -1, "strategy.assign")));

  /** The operation of a route ({@code method}, path pattern), or null for one that is not logged. */
  public static ConsoleOperation of(String method, String pattern) {
    return BY_ROUTE.get(method + " " + pattern);
  }
}
