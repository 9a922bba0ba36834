package dev.vertdesk.events;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Publishes domain events with one body shape each; see {@link Addresses} for the fields. */
public final class EventPublisher {

  private final EventBus bus;
  private final String node;
  private volatile boolean stopped;

  public EventPublisher(EventBus bus, String node) {
    this.bus = bus;
    this.node = node;
  }

  private JsonObject base(String type) {
    return new JsonObject().put("type", type).put("ts", System.currentTimeMillis()).put("node", node);
  }

  private void publish(String address, JsonObject body) {
    if (!stopped) {
      bus.publish(address, body);
    }
  }

  /**
   * The node is stopping and its event consumers are about to go: what still finishes publishes
   * nothing more (a message delivered to a consumer that has gone is logged, one line each).
   */
  public void stop() {
    stopped = true;
  }

  /** @param previousIp the address the ID was registered from before, if it differs; else null */
  public void peerRegistered(String id, String ip, boolean created, String previousIp) {
    JsonObject body = base("peer.registered").put("id", id).put("ip", ip).put("created", created);
    if (previousIp != null) {
      body.put("previousIp", previousIp);
    }
    publish(Addresses.PEER_REGISTERED, body);
  }

  public void peerOnline(String id, String ip) {
    publish(Addresses.PEER_ONLINE, base("peer.online").put("id", id).put("ip", ip));
  }

  public void peerOffline(String id) {
    publish(Addresses.PEER_OFFLINE, base("peer.offline").put("id", id));
  }

  public void idChanged(String oldId, String id, String ip) {
    publish(Addresses.PEER_ID_CHANGED, base("peer.id-changed").put("oldId", oldId).put("id", id).put("ip", ip));
  }

  /** @param to the device's IP when it was signalled, else null */
  public void punchRequested(String from, String id, String to, String outcome) {
    JsonObject body = base("punch.requested").put("from", from).put("id", id);
    if (to != null) {
      body.put("to", to);
    }
    publish(Addresses.PUNCH_REQUESTED, body.put("outcome", outcome));
  }

  public void relayBrokered(String uuid, String id, String from, String relay) {
    publish(Addresses.RELAY_BROKERED,
        base("relay.brokered").put("uuid", uuid).put("id", id).put("from", from).put("relay", relay));
  }

  public void relaySessionOpened(String session, String uuid, String first, String second) {
    publish(Addresses.RELAY_SESSION_OPENED, base("relay.session.opened").put("session", session)
        .put("uuid", uuid).put("first", first).put("second", second));
  }

  public void relaySessionClosed(String session, String uuid, String first, String second,
                                 long bytesFirstToSecond, long bytesSecondToFirst, long durationMillis,
                                 String reason) {
    publish(Addresses.RELAY_SESSION_CLOSED, base("relay.session.closed").put("session", session)
        .put("uuid", uuid).put("first", first).put("second", second)
        .put("bytesFirstToSecond", bytesFirstToSecond).put("bytesSecondToFirst", bytesSecondToFirst)
        .put("durationMillis", durationMillis).put("reason", reason));
  }

  public void rejected(String surface, String reason, String ip, String id) {
    publish(Addresses.REJECTED,
        base("rejected").put("surface", surface).put("reason", reason).put("ip", ip).put("id", id));
  }

  /** @param user the controller's user name */
  public void accessRefused(String from, String id, String user, String reason) {
    publish(Addresses.ACCESS_REFUSED,
        base("access.refused").put("from", from).put("id", id).put("user", user).put("reason", reason));
  }

  /** @param deviceId the client's ID the login came from, empty when unknown */
  public void loginSucceeded(String user, String ip, String method, String deviceId) {
    publish(Addresses.LOGIN_SUCCEEDED, base("login.succeeded").put("user", user).put("ip", ip)
        .put("method", method).put("deviceId", deviceId));
  }

  public void loginFailed(String name, String ip, String method, String result, String reason) {
    publish(Addresses.LOGIN_FAILED, base("login.failed").put("name", name).put("ip", ip).put("method", method)
        .put("result", result).put("reason", reason));
  }

  public void userChanged(String operation, String target, String operator, String ip) {
    publish(Addresses.USER_CHANGED, base("user.changed").put("operation", operation).put("target", target)
        .put("operator", operator).put("ip", ip));
  }

  public void deviceChanged(String operation, String target, String operator, String ip) {
    publish(Addresses.DEVICE_CHANGED, base("device.changed").put("operation", operation).put("target", target)
        .put("operator", operator).put("ip", ip));
  }

  public void auditRecorded(String kind, String guid, String id) {
    publish(Addresses.AUDIT_RECORDED, base("audit.recorded").put("kind", kind).put("guid", guid).put("id", id));
  }

  public void strategyChanged(String strategy, String operation, String operator) {
    publish(Addresses.STRATEGY_CHANGED, base("strategy.changed").put("strategy", strategy)
        .put("operation", operation).put("operator", operator));
  }
}
