package dev.vertdesk.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * What the admin API may change on the relay of one node at run time (hbbr's console,
 * docs/protocol.md §7.6): the bandwidth limits and a re-read of the access-list files after an edit.
 * Changes live in memory, like hbbr's; a restart goes back to the configuration.
 */
public final class RelayControl {

  private final RelayHub hub;

  RelayControl(RelayHub hub) {
    this.hub = hub;
  }

  public RelayPolicy policy() {
    return hub.policy();
  }

  /**
   * New limits: sessions paired from now on follow them; a changed total bandwidth also holds
   * the sessions already running.
   */
  public void updatePolicy(RelayPolicy policy) {
    hub.updatePolicy(policy);
  }

  /** Re-reads {@code blacklist.txt} and {@code blocklist.txt} now instead of at the next poll. */
  public Future<Void> reloadAccessLists() {
    Promise<Void> done = Promise.promise();
    hub.context().runOnContext(v -> hub.access().reload().onComplete(done));
    return done.future();
  }

  public int blocklistSize() {
    return hub.access().blocklistSize();
  }

  public int blacklistSize() {
    return hub.access().blacklistSize();
  }

  public RelaySessions sessions() {
    return hub.sessions();
  }
}
