package dev.vertdesk.config;

/**
 * Accounts of the API server ({@code accounts}): how long a client's login lasts and how failed
 * logins are slowed down. Node-wide, since every node checks tokens (the API, and signaling when
 * logins are required).
 *
 * @param tokenLifetimeDays   a login token expires this long after it was issued
 * @param tokenIdleDays       ... or after this long unused
 * @param failuresBeforeDelay failed logins of one account in a row before each further attempt
 *                            must wait, doubling from 1 s
 * @param lockoutFailures     failed logins in a row that lock the account for lockoutMinutes
 * @param ipFailuresPerWindow failed logins from one address within ipWindowMinutes before that
 *                            address is refused until the window has passed
 * @param adminPasswordFile   where the first start writes the generated admin password (0600,
 *                            relative to the data directory)
 */
public record AccountsConfig(int tokenLifetimeDays, int tokenIdleDays, int failuresBeforeDelay,
                             int lockoutFailures, int lockoutMinutes, int ipFailuresPerWindow,
                             int ipWindowMinutes, String adminPasswordFile) {

  static AccountsConfig from(ConfigBlock c) {
    AccountsConfig a = new AccountsConfig(
        c.integer("tokenLifetimeDays", 1, 3650),
        c.integer("tokenIdleDays", 1, 3650),
        c.integer("failuresBeforeDelay", 1, 1000),
        c.integer("lockoutFailures", 1, 1000),
        c.integer("lockoutMinutes", 1, 10_080),
        c.integer("ipFailuresPerWindow", 1, 100_000),
        c.integer("ipWindowMinutes", 1, 1440),
        c.string("adminPasswordFile"));
    if (a.lockoutFailures < a.failuresBeforeDelay) {
      throw new ConfigException(c.path("lockoutFailures"), "must not be below failuresBeforeDelay");
    }
    if (a.adminPasswordFile.isEmpty()) {
      throw new ConfigException(c.path("adminPasswordFile"), "must not be empty");
    }
    return a;
  }
}
