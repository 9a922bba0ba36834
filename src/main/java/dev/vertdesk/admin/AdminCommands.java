package dev.vertdesk.admin;

import dev.vertdesk.node.NodeCore;
import dev.vertdesk.registry.IpRegistrationLimiter;
import dev.vertdesk.relay.RelayControl;
import dev.vertdesk.relay.RelayHub;
import dev.vertdesk.relay.RelayPolicy;
import dev.vertdesk.relay.RelaySessionInfo;
import dev.vertdesk.rendezvous.RendezvousContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The admin commands one node carries out when an admin request is broadcast (see
 * {@link NodeAdmin#broadcast}): reads of its state and the run-time changes of hbbs' and hbbr's
 * consoles (docs/protocol.md §5.8, §7.6). Arguments are checked by {@link #validate} before anything is
 * broadcast, so a node only fails a command for a reason of its own (an unwritable file, say).
 */
final class AdminCommands {

  static final String STATUS = "status";
  static final String RELAY_SERVERS = "relay-servers";
  static final String ALWAYS_USE_RELAY = "always-use-relay";
  static final String IP_BLOCKER = "ip-blocker";
  static final String IP_CHANGES_CLEAR = "ip-changes-clear";
  static final String PUNCH_REQUESTS_CLEAR = "punch-requests-clear";
  static final String RELAY_LIMITS = "relay-limits";
  static final String ACCESS_LIST = "access-list";
  static final String USAGE = "usage";
  static final String EVENTBUS = "eventbus";

  static final Set<String> ALL = Set.of(STATUS, RELAY_SERVERS, ALWAYS_USE_RELAY, IP_BLOCKER, IP_CHANGES_CLEAR,
      PUNCH_REQUESTS_CLEAR, RELAY_LIMITS, ACCESS_LIST, USAGE, EVENTBUS);
  /** The relay limits an admin may change, in hbbr's units (Mb/s, fraction, seconds). */
  static final List<String> LIMIT_KEYS = List.of("totalBandwidth", "singleBandwidth", "limitSpeed",
      "downgradeThreshold", "downgradeStartCheck");

  private final Vertx vertx;
  private final NodeCore core;
  private final RendezvousContext rendezvous;
  private final Optional<RelayControl> relay;
  private final AccessListFiles accessLists;
  private final EventHistory history;
  private final MeterRegistry meters;
  private final long startedMillis = System.currentTimeMillis();

  AdminCommands(Vertx vertx, NodeCore core, RendezvousContext rendezvous, Optional<RelayHub> relay,
                EventHistory history, MeterRegistry meters) {
    this.vertx = vertx;
    this.core = core;
    this.rendezvous = rendezvous;
    this.relay = relay.map(RelayHub::control);
    this.accessLists = new AccessListFiles(core.config().server().dataDir());
    this.history = history;
    this.meters = meters;
  }

  // ------------------------------------------------------------------ validation

  /** @throws IllegalArgumentException naming what is wrong with a command or its arguments */
  static void validate(String command, JsonObject args) {
    if (command == null || !ALL.contains(command)) {
      throw new IllegalArgumentException("unknown command: " + command);
    }
    switch (command) {
      case RELAY_SERVERS -> {
        if (args.containsKey("servers")) {
          for (String s : strings(args, "servers")) {
            if (s.isBlank() || s.length() > 255 || s.chars().anyMatch(Character::isWhitespace)) {
              throw new IllegalArgumentException("not a relay server: '" + s + "'");
            }
          }
        }
      }
      case ALWAYS_USE_RELAY -> {
        if (args.containsKey("value") && !(args.getValue("value") instanceof Boolean)) {
          throw new IllegalArgumentException("value must be true or false");
        }
      }
      case IP_BLOCKER -> {
        nonNegative(args, "offset");
        nonNegative(args, "limit");
        if (args.getBoolean("remove", false) && args.getString("ip") == null) {
          throw new IllegalArgumentException("remove needs an ip");
        }
      }
      case RELAY_LIMITS -> {
        for (String k : LIMIT_KEYS) {
          Object v = args.getValue(k);
          if (v != null && (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0)) {
            throw new IllegalArgumentException(k + " must be a number >= 0 (0: unlimited or off), got " + v);
          }
        }
      }
      case ACCESS_LIST -> validateAccessList(args);
      default -> {
      }
    }
  }

  private static void validateAccessList(JsonObject args) {
    if (!AccessListFiles.LISTS.contains(String.valueOf(args.getValue("list")))) {
      throw new IllegalArgumentException("list must be blacklist or blocklist");
    }
    String op = String.valueOf(args.getValue("op", "list"));
    switch (op) {
      case "list" -> {
      }
      case "check", "add" -> {
        List<String> ips = strings(args, "ips");
        if (ips.isEmpty()) {
          throw new IllegalArgumentException(op + " needs at least one IP");
        }
        ips.forEach(AccessListFiles::normalize);
      }
      case "remove" -> {
        if (!Boolean.TRUE.equals(args.getValue("all"))) {
          List<String> ips = strings(args, "ips");
          if (ips.isEmpty()) {
            throw new IllegalArgumentException("remove needs IPs or all");
          }
          ips.forEach(AccessListFiles::normalize);
        }
      }
      default -> throw new IllegalArgumentException("op must be list, check, add or remove");
    }
  }

  private static void nonNegative(JsonObject args, String key) {
    Object v = args.getValue(key);
    if (v != null && (!(v instanceof Number n) || n.longValue() < 0 || n.longValue() > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException(key + " must be a whole number >= 0");
    }
  }

  /** A list of strings given as a JSON array, or as one string separated by commas or {@code |}. */
  static List<String> strings(JsonObject args, String key) {
    Object v = args.getValue(key);
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      for (Object o : a) {
        if (!(o instanceof String s)) {
          throw new IllegalArgumentException(key + " must be a list of strings");
        }
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    } else if (v instanceof String s) {
      for (String part : s.split("[,|]")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else if (v != null) {
      throw new IllegalArgumentException(key + " must be a list of strings");
    }
    return out;
  }

  // ------------------------------------------------------------------ execution

  Future<JsonObject> run(String command, JsonObject args) {
    try {
      validate(command, args);
      return switch (command) {
        case STATUS -> Future.succeededFuture(status());
        case RELAY_SERVERS -> Future.succeededFuture(relayServers(args));
        case ALWAYS_USE_RELAY -> Future.succeededFuture(alwaysUseRelay(args));
        case IP_BLOCKER -> ipBlocker(args);
        case IP_CHANGES_CLEAR -> Future.succeededFuture(
            new JsonObject().put("cleared", history.clearIpChanges(args.getString("id"))));
        case PUNCH_REQUESTS_CLEAR -> Future.succeededFuture(
            new JsonObject().put("cleared", history.clearPunchRequests()));
        case RELAY_LIMITS -> Future.succeededFuture(relayLimits(args));
        case ACCESS_LIST -> accessList(args);
        case USAGE -> Future.succeededFuture(usage());
        case EVENTBUS -> Future.succeededFuture(EventBusView.snapshot(meters));
        default -> Future.failedFuture("unknown command: " + command);
      };
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private JsonObject status() {
    JsonObject ports = new JsonObject();
    core.ports().all().forEach(ports::put);
    JsonObject out = new JsonObject()
        .put("node", core.nodeId())
        .put("clustered", core.cluster().clustered())
        .put("members", core.cluster().members().size())
        .put("draining", core.drain().draining())
        .put("uptimeSeconds", (System.currentTimeMillis() - startedMillis) / 1000)
        .put("ports", ports)
        .put("peers", new JsonObject().put("registered", core.registry().size())
            .put("online", core.registry().onlineCount()))
        .put("alwaysUseRelay", rendezvous.alwaysUseRelay().get())
        .put("relayServers", new JsonArray(new ArrayList<>(rendezvous.relays().active())));
    relay.ifPresentOrElse(r -> out.put("relay", new JsonObject().put("running", true)
            .put("sessions", r.sessions().size()).put("waiting", r.sessions().waiting())
            .put("blocklist", r.blocklistSize()).put("blacklist", r.blacklistSize())),
        () -> out.put("relay", new JsonObject().put("running", false)));
    return out;
  }

  private JsonObject relayServers(JsonObject args) {
    if (args.containsKey("servers")) {
      rendezvous.relays().replace(strings(args, "servers"));
    }
    return new JsonObject()
        .put("configured", new JsonArray(new ArrayList<>(rendezvous.relays().configured())))
        .put("active", new JsonArray(new ArrayList<>(rendezvous.relays().active())));
  }

  private JsonObject alwaysUseRelay(JsonObject args) {
    if (args.getValue("value") instanceof Boolean b) {
      rendezvous.alwaysUseRelay().set(b);
    }
    return new JsonObject().put("value", rendezvous.alwaysUseRelay().get());
  }

  private Future<JsonObject> ipBlocker(JsonObject args) {
    IpRegistrationLimiter l = core.registry().ipLimiter();
    long now = System.currentTimeMillis();
    String ip = args.getString("ip");
    if (ip != null) {
      if (args.getBoolean("remove", false)) {
        // every node gets the command: each lifts its own count, and the shared one goes too
        return core.registry().liftIpLimit(ip)
            .map(removed -> new JsonObject().put("available", true).put("ip", ip).put("removed", removed));
      }
      return Future.succeededFuture(new JsonObject().put("available", true).put("ip", ip)
          .put("entry", l.state(ip).map(s -> ipState(s, now)).orElse(null)));
    }
    l.prune(now); // as hbbs: listing drops what can no longer refuse anything
    List<IpRegistrationLimiter.IpState> all = l.states();
    int offset = args.getInteger("offset", 0);
    int limit = args.getInteger("limit", 10);
    JsonArray entries = new JsonArray();
    for (int i = offset; i < all.size() && entries.size() < limit; i++) {
      entries.add(ipState(all.get(i), now));
    }
    return Future.succeededFuture(new JsonObject().put("available", true).put("total", all.size())
        .put("offset", offset).put("entries", entries));
  }

  private static JsonObject ipState(IpRegistrationLimiter.IpState s, long now) {
    return new JsonObject().put("ip", s.ip()).put("count", s.count())
        .put("lastSecondsAgo", (now - s.lastMillis()) / 1000).put("ids", s.ids())
        .put("idsSecondsAgo", (now - s.idsMillis()) / 1000);
  }

  private JsonObject relayLimits(JsonObject args) {
    if (relay.isEmpty()) {
      return new JsonObject().put("relay", false);
    }
    RelayPolicy p = relay.get().policy();
    if (LIMIT_KEYS.stream().anyMatch(args::containsKey)) {
      p = new RelayPolicy(
          number(args, "totalBandwidth", p.totalMbps()),
          number(args, "singleBandwidth", p.singleMbps()),
          number(args, "limitSpeed", p.limitMbps()),
          number(args, "downgradeThreshold", p.downgradeThreshold()),
          args.containsKey("downgradeStartCheck")
              ? (long) (args.getNumber("downgradeStartCheck").doubleValue() * 1000) : p.downgradeStartCheckMillis(),
          p.idleNanos());
      relay.get().updatePolicy(p);
    }
    return new JsonObject().put("relay", true)
        .put("totalBandwidth", p.totalMbps())
        .put("singleBandwidth", p.singleMbps())
        .put("limitSpeed", p.limitMbps())
        .put("downgradeThreshold", p.downgradeThreshold())
        .put("downgradeStartCheck", p.downgradeStartCheckMillis() / 1000.0);
  }

  private static double number(JsonObject args, String key, double current) {
    Number n = args.getNumber(key);
    return n == null ? current : n.doubleValue();
  }

  private Future<JsonObject> accessList(JsonObject args) {
    String list = args.getString("list");
    String op = args.getString("op", "list");
    Future<JsonObject> done = vertx.executeBlocking(() -> switch (op) {
      case "check" -> accessLists.contains(list, strings(args, "ips").get(0));
      case "add" -> accessLists.add(list, strings(args, "ips"));
      case "remove" -> accessLists.remove(list, args.getBoolean("all", false) ? null : strings(args, "ips"));
      default -> accessLists.list(list);
    }, false);
    if (op.equals("add") || op.equals("remove")) {
      // the relay picks the file up at once rather than at its next poll
      return done.compose(r -> relay.map(c -> c.reloadAccessLists().map(v -> r))
          .orElse(Future.succeededFuture(r)));
    }
    return done;
  }

  private JsonObject usage() {
    if (relay.isEmpty()) {
      return new JsonObject().put("relay", false);
    }
    long now = System.currentTimeMillis();
    JsonArray sessions = new JsonArray();
    List<RelaySessionInfo> live = new ArrayList<>(relay.get().sessions().list());
    // as hbbr: the busiest first
    live.sort(java.util.Comparator.comparingLong(
        (RelaySessionInfo i) -> i.bytesFirstToSecond() + i.bytesSecondToFirst()).reversed());
    for (RelaySessionInfo i : live) {
      sessions.add(i.toJson().put("seconds", (now - i.startedMillis()) / 1000));
    }
    return new JsonObject().put("relay", true).put("sessions", sessions);
  }
}
