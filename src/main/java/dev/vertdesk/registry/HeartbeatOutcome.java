package dev.vertdesk.registry;

/**
 * Result of a RegisterPeer heartbeat (docs/protocol.md §5.4.1).
 *
 * @param requestPk    ask the device for a RegisterPk (unknown ID, no key, or a new IP)
 * @param becameOnline the heartbeat moved the device from offline to online
 */
public record HeartbeatOutcome(boolean requestPk, boolean becameOnline) {

  static final HeartbeatOutcome REQUEST_PK = new HeartbeatOutcome(true, false);
  static final HeartbeatOutcome REFRESHED = new HeartbeatOutcome(false, false);
  static final HeartbeatOutcome ONLINE = new HeartbeatOutcome(false, true);
}
