package dev.vertdesk.config;

/**
 * How the node uses its peer store ({@code db.*} besides {@code db.url}).
 *
 * @param queueSize            {@code db.queueSize}: reads, and writes, waiting for the database
 *                             (each kind its own queue); a request beyond it is answered "retry later"
 * @param queuePerSource       {@code db.queuePerSource}: of those, how many one client network (an
 *                             IPv4 /24, an IPv6 /48) may hold, so that one flooding network cannot
 *                             crowd out the others
 * @param probeIntervalSeconds {@code db.probeIntervalSeconds}: how often a write is tried to prove
 *                             the store takes writes (readiness); a failed write keeps the node not
 *                             ready for twice this long
 * @param quickCheckSeconds    {@code db.quickCheckSeconds}: time allowed for SQLite's
 *                             {@code quick_check} at start; 0 skips it
 */
public record StoreOptions(int queueSize, int queuePerSource, int probeIntervalSeconds, int quickCheckSeconds) {

  public StoreOptions {
    if (queuePerSource > queueSize) {
      throw new ConfigException("db.queuePerSource", queuePerSource + " is larger than db.queueSize (" + queueSize + ")");
    }
  }

  /** The shipped defaults ({@code vertdesk-defaults.json}), for a store opened outside a node. */
  public static StoreOptions defaults() {
    return from(new ConfigBlock(ConfigLoader.defaults(), "").child("db"));
  }

  static StoreOptions from(ConfigBlock db) {
    return new StoreOptions(
        db.integer("queueSize", 1, 1_000_000),
        db.integer("queuePerSource", 1, 1_000_000),
        db.integer("probeIntervalSeconds", 1, 3_600),
        db.integer("quickCheckSeconds", 0, 86_400));
  }
}
