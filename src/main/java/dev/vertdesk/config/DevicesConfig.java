package dev.vertdesk.config;

/**
 * The device inventory of the API server ({@code devices}): how heartbeats are kept in memory and
 * written behind, when a device's system information counts as stale, and how often a node
 * re-reads the disabled devices. Node-wide: the API keeps the inventory, and signaling refuses
 * disabled devices on nodes without the API too.
 *
 * @param writeBehindSeconds     every this often, the last-seen times and connection lists that
 *                               changed since the last write go to the database
 * @param writeBatch             rows per write transaction
 * @param maxTracked             devices one node keeps in memory for heartbeats; beyond that a
 *                               new device's heartbeats are answered from the database
 * @param sysinfoMaxAgeHours     a device's heartbeat asks for its system information again when
 *                               the stored copy is older than this
 * @param disabledRefreshSeconds every this often a node re-reads the disabled (and deployed) devices,
 *                               the strategies and the access rules, in case it missed an
 *                               announcement (they are announced cluster-wide at once)
 * @param requireDeployment      only devices deployed through {@code POST /api/devices/deploy} may
 *                               register; the others are answered NOT_DEPLOYED
 */
public record DevicesConfig(int writeBehindSeconds, int writeBatch, int maxTracked, int sysinfoMaxAgeHours,
                            int disabledRefreshSeconds, boolean requireDeployment) {

  static DevicesConfig from(ConfigBlock c) {
    return new DevicesConfig(
        c.integer("writeBehindSeconds", 1, 3600),
        c.integer("writeBatch", 1, 100_000),
        c.integer("maxTracked", 1000, 50_000_000),
        c.integer("sysinfoMaxAgeHours", 1, 87_600),
        c.integer("disabledRefreshSeconds", 1, 86_400),
        c.bool("requireDeployment"));
  }
}
