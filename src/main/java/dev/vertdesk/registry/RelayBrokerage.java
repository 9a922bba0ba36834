package dev.vertdesk.registry;

import io.vertx.core.Future;

/**
 * Which relay sessions signaling brokered recently: a relay in brokered-only mode accepts a
 * uuid only if it passed through a RequestRelay or RelayResponse within {@link #TTL_MILLIS}.
 * Signaling and relay may run on different nodes, so this is shared state like the registry.
 */
public interface RelayBrokerage {

  long TTL_MILLIS = 60_000;

  /** Records that signaling handed out {@code uuid}; completes once every node can see it. */
  Future<Void> brokered(String uuid);

  /** True when {@code uuid} was brokered within the last minute. */
  Future<Boolean> wasBrokered(String uuid);
}
