package dev.vertdesk.config;

import java.util.OptionalInt;

/**
 * Limits on the connections the public TCP and WebSocket ports (signaling, nat, relay, ws,
 * wsrelay) hold together ({@code connections}); the admin port has limits of its own
 * ({@link AdminOptions}). Every connection costs a file descriptor, and a process that runs out of
 * them can no longer accept anyone, nor open its database or answer on the admin port.
 *
 * @param maxPerIp connections one client address may hold on those ports together; an office
 *                 behind one NAT address shares it (a relayed session inside it counts twice)
 * @param maxTotal connections those ports may hold together; empty when not set, and then derived
 *                 from the process's open-file limit ({@link #maxTotal(long)})
 */
public record ConnectionOptions(int maxPerIp, OptionalInt maxTotal) {

  /**
   * Descriptors the derived total leaves to everything else, at least: the JVM's own files, the UDP
   * socket and the listeners, the peer store's connections, Hazelcast, the admin port's connections
   * (at most {@code verticles.admin.config.maxConnections}), relay health checks and plugins.
   */
  public static final int MIN_HEADROOM = 1024;

  static ConnectionOptions from(ConfigBlock c) {
    return new ConnectionOptions(
        c.integer("maxPerIp", 1, 10_000_000),
        c.optionalInteger("maxTotal", 1, 100_000_000));
  }

  /**
   * The node-wide limit in a process that may hold {@code openFileLimit} descriptors: the
   * configured value, else the limit less a headroom of {@value #MIN_HEADROOM} descriptors or 5 %
   * of the limit, whichever is more, but at most half of it (20 000 gives 18 976; 1 048 576 gives
   * 996 148; 1 024 gives 512).
   */
  public int maxTotal(long openFileLimit) {
    if (maxTotal.isPresent()) {
      return maxTotal.getAsInt();
    }
    long headroom = Math.min(openFileLimit / 2, Math.max(MIN_HEADROOM, openFileLimit / 20));
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, openFileLimit - headroom));
  }
}
