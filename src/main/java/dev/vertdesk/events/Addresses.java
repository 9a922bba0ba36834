package dev.vertdesk.events;

/**
 * Every event-bus address Vertdesk uses. Events ({@code vertdesk.event.*}) are published with a
 * JSON body built by {@link EventPublisher}; commands are requests with a timeout.
 */
public final class Addresses {

  private Addresses() {
  }

  /** Prefix shared by every domain event, for consumers that want them all. */
  public static final String EVENT_PREFIX = "vertdesk.event.";

  /** RegisterPk accepted: {@code {id, ip, created}}, plus {@code previousIp} when the ID moved. */
  public static final String PEER_REGISTERED = EVENT_PREFIX + "peer.registered";
  /** A device went from offline to online: {@code {id, ip}}. */
  public static final String PEER_ONLINE = EVENT_PREFIX + "peer.online";
  /** A device's registration expired (REG_TIMEOUT): {@code {id}}. */
  public static final String PEER_OFFLINE = EVENT_PREFIX + "peer.offline";
  /** A device changed its ID (RegisterPk with old_id): {@code {oldId, id, ip}}. */
  public static final String PEER_ID_CHANGED = EVENT_PREFIX + "peer.id-changed";
  /** A PunchHoleRequest was handled: {@code {from, id, outcome}}; outcome is {@code punch},
   *  {@code local} or the failure name. */
  public static final String PUNCH_REQUESTED = EVENT_PREFIX + "punch.requested";
  /** A relay was brokered through signaling: {@code {uuid, id, from, relay}}. */
  public static final String RELAY_BROKERED = EVENT_PREFIX + "relay.brokered";
  /** Two relay connections were paired: {@code {session, uuid, first, second}} (ip:port of each end). */
  public static final String RELAY_SESSION_OPENED = EVENT_PREFIX + "relay.session.opened";
  /** A relay session ended: {@code {session, uuid, first, second, bytesFirstToSecond,
   *  bytesSecondToFirst, durationMillis, reason}}. */
  public static final String RELAY_SESSION_CLOSED = EVENT_PREFIX + "relay.session.closed";
  /** Something was refused: {@code {surface, reason, ip, id}}. */
  public static final String REJECTED = EVENT_PREFIX + "rejected";
  /** A login succeeded: {@code {user, ip, method, deviceId}} (method {@code password}, {@code tfa}, an
   *  identity provider's name ...). */
  public static final String LOGIN_SUCCEEDED = EVENT_PREFIX + "login.succeeded";
  /** A login failed: {@code {name, ip, method, result, reason}}; result {@code failure}, {@code locked},
   *  {@code throttled} or {@code second_factor_failure}. */
  public static final String LOGIN_FAILED = EVENT_PREFIX + "login.failed";
  /** An admin changed users: {@code {operation, target, operator, ip}} (operation as in the console log,
   *  e.g. {@code user.disable}; target the user's guid, or what the request named). */
  public static final String USER_CHANGED = EVENT_PREFIX + "user.changed";
  /** An admin changed a device: {@code {operation, target, operator, ip}} (e.g. {@code device.disable},
   *  target the device's guid). */
  public static final String DEVICE_CHANGED = EVENT_PREFIX + "device.changed";
  /** An audit record was stored: {@code {kind, guid, id}}; kind {@code conn}, {@code file}, {@code alarm},
   *  {@code console} or {@code server} (a connection only the server saw); id the device's ID, or for
   *  console records the operator. */
  public static final String AUDIT_RECORDED = EVENT_PREFIX + "audit.recorded";
  /** A strategy was created, changed, assigned or deleted: {@code {strategy, operation, operator}}
   *  (strategy its guid). */
  public static final String STRATEGY_CHANGED = EVENT_PREFIX + "strategy.changed";

  /**
   * Command to the UDP registration verticle: send one datagram to a device from the
   * registration socket. Body {@code DatagramSend} (rendezvous package, node-local); reply empty on
   * success, failure when it could not be written.
   */
  public static final String UDP_SEND = "vertdesk.udp.send";

  /**
   * Command to this node (a local consumer, so each node drains only itself): start draining
   * (the node's {@code Drain}). Body ignored; reply {@code {draining, started,
   * timeoutSeconds, deadline, relaySessions}}, where {@code started} is false when the node was
   * already draining and {@code deadline} is epoch milliseconds.
   */
  public static final String ADMIN_DRAIN = "vertdesk.admin.drain";

  /**
   * Published when tokens stop being valid (a logout, a disabled user, a changed password): every
   * node drops what it cached. Body {@code {token: <sha-256 hex>}} or {@code {user: <guid>}}.
   */
  public static final String ACCOUNTS_INVALIDATE = "vertdesk.accounts.invalidate";

  /**
   * Request to whichever node serves the API (any node, round-robin when several do): run an API
   * request a client tunnelled through the rendezvous port (docs/protocol.md §5.4.13) exactly as
   * if it had come over HTTP. Body {@link HttpProxyCall.Request#toJson()}; reply
   * {@link HttpProxyCall.Response#toJson()}, or a failure whose message is a short text for the
   * user (the API is busy, could not be reached, answered too much). With no API node in the
   * cluster the request fails at once (no handlers).
   */
  public static final String API_HTTP_PROXY = "vertdesk.api.http-proxy";

  /**
   * Published when an admin disables, enables or deletes a device, or deploys one, so that every
   * node refuses or admits it at once and forgets what it held of it. Body {@code {id, change}},
   * change {@code disabled}, {@code enabled}, {@code deleted} or {@code deployed}.
   */
  public static final String DEVICES_CHANGED = "vertdesk.devices.changed";

  /**
   * A controlling client was refused a connection by the access rules between user groups and
   * device groups: {@code {from, id, user, reason}} (from: the controller's IP; id: the device
   * asked for; user: the controller's user name; reason: {@code outgoing} when the controller's
   * group may not reach the device, {@code incoming} when the device does not admit the
   * controller, {@code unchecked} when the rules could not be checked).
   */
  public static final String ACCESS_REFUSED = EVENT_PREFIX + "access.refused";

  /**
   * Published when what a device is assigned changes (its owner, device group or strategy), or
   * when strategies, the strategies of users and device groups, or the access rules change: every
   * node drops what it cached. Body {@code {ids: [device IDs]}} for those devices only, or
   * {@code {}} for everything.
   */
  public static final String ASSIGNMENTS_CHANGED = "vertdesk.assignments.changed";

  /**
   * Published when an admin ends a device's live sessions: every API node tells the device at its
   * next heartbeat ({@code disconnect}), every relay node closes the device's relayed sessions at
   * once when all of them end. Body {@code {id, origin, conns?}} (conns: the connection ids to end;
   * absent for all; origin: the announcing service, which applied it already).
   */
  public static final String DEVICE_DISCONNECT = "vertdesk.devices.disconnect";

  /** Prefix of the addresses each clustered node consumes for itself. */
  public static final String NODE_PREFIX = "vertdesk.node.";

  /**
   * Command to one node: send a server-to-device message to a device that node holds, over its
   * connection or from its UDP socket. Body {@code {id, ip, port, message}} (message: protobuf
   * bytes); reply empty, failure when it could not be sent.
   */
  public static String nodeDeviceSend(String node) {
    return NODE_PREFIX + node + ".device-send";
  }

  /**
   * Command to one node: deliver a device's answer to the requester connection it holds.
   * Body {@code {requester, message}} (requester {@code ip:port}); reply {@code true} when a
   * connection took it.
   */
  public static String nodeAnswer(String node) {
    return NODE_PREFIX + node + ".answer";
  }

  /**
   * Command to one node: another node took over device {@code id} (body: the ID as a string);
   * forget it as online here without announcing it offline. Reply empty.
   */
  public static String nodeRelease(String node) {
    return NODE_PREFIX + node + ".release";
  }

  /**
   * Admin command or query, <em>published</em> so that every node applies or answers it:
   * {@code {requestId, replyTo, command, args}}. Each node sends {@code {requestId, node, ok,
   * result | error}} to {@code replyTo}, the requesting node's {@link #adminReplies} address.
   */
  public static final String ADMIN_COMMAND = "vertdesk.admin.command";

  /** Where node {@code node} collects the answers to the admin commands it published. */
  public static String adminReplies(String node) {
    return "vertdesk.admin.reply." + node;
  }
}
