package dev.vertdesk.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The text the admin CLI prints for the admin API's answers: pure functions from an answer, or
 * from one node's result in a broadcast answer, to the lines to print (none at all for an empty
 * list, which a single string could not say).
 */
final class AdminFormat {

  /** Header and rows of the event-bus table share the column widths. */
  private static final String EVENTBUS_ROW = "%-44s %8s %8s %10s %10s";
  /** Fields an event line shows in a place of their own rather than as {@code key=value}. */
  private static final Set<String> EVENT_HEAD = Set.of("type", "ts", "node");

  private AdminFormat() {
  }

  /**
   * A broadcast answer ({@code {"nodes": [{"node", "ok", "result"|"error"}], "partial"}}): each
   * node's result as {@code result} formats it, headed by the node's name when several answered.
   */
  static List<String> perNode(JsonObject answer, Function<JsonObject, List<String>> result) {
    List<String> lines = new ArrayList<>();
    JsonArray nodes = answer.getJsonArray("nodes", new JsonArray());
    boolean many = nodes.size() > 1;
    for (Object o : nodes) {
      JsonObject n = (JsonObject) o;
      if (many) {
        lines.add("== node " + n.getString("node"));
      }
      if (n.getBoolean("ok", false)) {
        lines.addAll(result.apply(n.getJsonObject("result", new JsonObject())));
      } else {
        lines.add("error on node " + n.getString("node") + ": " + n.getString("error"));
      }
    }
    if (answer.getBoolean("partial", false)) {
      lines.add("(" + nodes.size() + " of " + answer.getInteger("expected") + " nodes answered)");
    }
    return lines;
  }

  static List<String> status(JsonObject s) {
    List<String> ports = new ArrayList<>();
    s.getJsonObject("ports", new JsonObject()).forEach(e -> ports.add(e.getKey() + "=" + e.getValue()));
    JsonObject peers = s.getJsonObject("peers", new JsonObject());
    JsonObject relay = s.getJsonObject("relay", new JsonObject());
    JsonArray relayServers = s.getJsonArray("relayServers", new JsonArray());
    return List.of(
        "node " + s.getString("node") + (s.getBoolean("clustered", false)
            ? " (cluster of " + s.getInteger("members") + ")" : "") + ", up " + s.getLong("uptimeSeconds") + "s"
            + (s.getBoolean("draining", false) ? ", DRAINING" : ""),
        "  ports: " + String.join(" ", ports),
        "  peers: " + peers.getInteger("registered") + " registered, " + peers.getInteger("online") + " online",
        relay.getBoolean("running", false)
            ? "  relay: " + relay.getInteger("sessions") + " sessions, " + relay.getInteger("waiting") + " waiting, blocklist "
                + relay.getInteger("blocklist") + ", blacklist " + relay.getInteger("blacklist")
            : "  relay: not running on this node",
        "  always-use-relay: " + yesNo(s.getBoolean("alwaysUseRelay", false)) + ", relay servers: "
            + (relayServers.isEmpty() ? "(none)" : String.join(",", relayServers.getList())));
  }

  /** {@code /health/ready}'s answer, which came with HTTP status {@code httpStatus}. */
  static List<String> health(JsonObject body, int httpStatus) {
    List<String> lines = new ArrayList<>();
    lines.add(body.getString("status", "?") + " (HTTP " + httpStatus + ")");
    JsonObject checks = body.getJsonObject("checks", new JsonObject());
    for (String name : checks.fieldNames()) {
      JsonObject check = checks.getJsonObject(name);
      JsonObject details = check.copy();
      details.remove("ok");
      lines.add("  " + name + ": " + (check.getBoolean("ok", false) ? "ok" : "NOT OK")
          + (details.isEmpty() ? "" : " " + details.encode()));
    }
    return lines;
  }

  static List<String> drain(JsonObject r) {
    return List.of("node " + r.getString("node") + (r.getBoolean("started", false)
        ? " is draining" : " was already draining") + ": " + r.getInteger("relaySessions", 0)
        + " relay sessions may go on for " + r.getLong("timeoutSeconds", 0L) + " s");
  }

  static List<String> peers(JsonObject r) {
    List<String> lines = new ArrayList<>();
    lines.add(r.getInteger("registered") + " registered, " + r.getInteger("online") + " online on node " + r.getString("node"));
    for (Object o : r.getJsonArray("peers")) {
      JsonObject p = (JsonObject) o;
      lines.add(String.format(Locale.ROOT, "%-20s %-8s %-40s %s", p.getString("id"),
          p.getBoolean("online", false) ? "online" : "offline", address(p), instant(p.getLong("lastRegMillis"))));
    }
    return lines;
  }

  static List<String> peer(JsonObject p) {
    return List.of(
        "id:       " + p.getString("id"),
        "online:   " + p.getBoolean("online"),
        "address:  " + address(p),
        "last seen: " + instant(p.getLong("lastRegMillis")),
        "key:      " + (p.getString("pk") == null ? "-" : p.getString("pk")),
        "linked to this node: " + p.getBoolean("linkedHere", false));
  }

  static List<String> events(JsonObject r) {
    return lines(r.getJsonArray("events"), e -> event((JsonObject) e));
  }

  /** One domain event: time, type, its other fields as {@code key=value}, then its node. */
  static String event(JsonObject e) {
    StringBuilder sb = new StringBuilder();
    sb.append(instant(e.getLong("ts"))).append(' ').append(e.getString("type", "?"));
    for (Map.Entry<String, Object> f : e) {
      if (!EVENT_HEAD.contains(f.getKey())) {
        sb.append(' ').append(f.getKey()).append('=').append(f.getValue());
      }
    }
    if (e.getValue("node") != null) {
      sb.append(" node=").append(e.getValue("node"));
    }
    return sb.toString();
  }

  /** True if {@code e}, in an event stream, is the server's notice of events it dropped rather than an event. */
  static boolean isDropNotice(JsonObject e) {
    return e.containsKey("dropped") && !e.containsKey("type");
  }

  static String dropNotice(JsonObject e) {
    return "(" + e.getValue("dropped") + " events dropped: this client reads too slowly)";
  }

  static List<String> eventBus(JsonObject r) {
    if (!r.getBoolean("metrics", false)) {
      return List.of("metrics are off on this node");
    }
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, EVENTBUS_ROW, "address", "handlers", "pending", "processed", "published"));
    for (Object o : r.getJsonArray("addresses")) {
      JsonObject a = (JsonObject) o;
      lines.add(String.format(Locale.ROOT, EVENTBUS_ROW, a.getString("address"), total(a.getValue("handlers")),
          total(a.getValue("pending")), total(a.getValue("processed")), total(a.getValue("published"))));
    }
    return lines;
  }

  static List<String> relayServers(JsonObject r) {
    JsonArray active = r.getJsonArray("active", new JsonArray());
    return active.isEmpty() ? List.of("(none)") : lines(active, String::valueOf);
  }

  /** test-geo's answer: the relay the next punch request gets. */
  static List<String> nextRelay(JsonObject r) {
    return List.of(r.getString("relay").isEmpty() ? "(none)" : r.getString("relay"));
  }

  static List<String> alwaysUseRelay(JsonObject r) {
    return List.of("ALWAYS_USE_RELAY: " + yesNo(r.getBoolean("value", false)));
  }

  /** A page of the registration limiter: the number of IPs it tracks, then one line per IP. */
  static List<String> ipBlocker(JsonObject r) {
    if (!r.getBoolean("available", false)) {
      return List.of("no registration limiter on this node");
    }
    List<String> lines = new ArrayList<>();
    lines.add(String.valueOf(r.getInteger("total")));
    for (Object o : r.getJsonArray("entries")) {
      JsonObject e = (JsonObject) o;
      lines.add(e.getString("ip") + ": " + blockerEntry(e));
    }
    return lines;
  }

  /** The registration limiter's entry of one IP. */
  static List<String> ipBlockerEntry(JsonObject r) {
    JsonObject e = r.getJsonObject("entry");
    return List.of(e == null ? "not tracked" : blockerEntry(e));
  }

  static List<String> ipBlockerRemoved(JsonObject r) {
    return List.of(r.getBoolean("removed", false) ? "removed" : "not tracked");
  }

  /** hbbs' form: registrations/seconds since the last, IDs/seconds since the last new ID. */
  private static String blockerEntry(JsonObject e) {
    return e.getInteger("count") + "/" + e.getLong("lastSecondsAgo") + "s " + e.getInteger("ids") + "IDs/"
        + e.getLong("idsSecondsAgo") + "s";
  }

  static List<String> ipChanges(JsonObject r) {
    List<String> lines = new ArrayList<>();
    lines.add(String.valueOf(r.getInteger("total")));
    for (Object o : r.getJsonArray("changes")) {
      JsonObject c = (JsonObject) o;
      lines.add(c.getString("id") + ": " + c.getLong("ageSeconds") + "s " + c.getJsonObject("ips").encode());
    }
    return lines;
  }

  /** The answer to clearing the IP changes or the punch-request log. */
  static List<String> cleared(JsonObject r) {
    return List.of("cleared " + r.getInteger("cleared"));
  }

  /** {@code <time> <from> -> <id>[@<to>] <outcome>}, to the second. */
  static List<String> punchRequests(JsonObject r) {
    return lines(r.getJsonArray("requests"), o -> {
      JsonObject p = (JsonObject) o;
      return instant(p.getLong("ts")).replaceAll("\\.\\d+Z$", "Z") + " " + p.getString("from") + " -> "
          + p.getString("id") + (p.getString("to") == null ? "" : "@" + p.getString("to")) + " " + p.getString("outcome");
    });
  }

  /** Live relay sessions in hbbr's form: {@code ip:port: Ns X.XXMB highest avg current (kb/s)}. */
  static List<String> usage(JsonObject r) {
    return ifRelay(r, () -> lines(r.getJsonArray("sessions"), o -> {
      JsonObject s = (JsonObject) o;
      long bytes = s.getLong("bytesFirstToSecond", 0L) + s.getLong("bytesSecondToFirst", 0L);
      long secs = Math.max(1, s.getLong("seconds", 0L));
      return String.format(Locale.ROOT, "%s: %ds %.2fMB %dkb/s %dkb/s %dkb/s (%s)%s%s",
          s.getString("second"), s.getLong("seconds", 0L), bytes / 1024.0 / 1024.0,
          s.getLong("highestBitsPerSecond", 0L) / 1024, bytes * 8 / 1024 / secs,
          s.getLong("currentBitsPerSecond", 0L) / 1024, s.getString("first"),
          s.getBoolean("downgraded", false) ? " downgraded" : "", s.getBoolean("blacklisted", false) ? " blacklisted" : "");
    }));
  }

  /** Every limit in {@code keys} as the API gives it: {@code key: value}. */
  static List<String> relayLimits(JsonObject r, List<String> keys) {
    return ifRelay(r, () -> lines(keys, k -> k + ": " + r.getValue(k)));
  }

  /** One limit: its value, without a fraction if it is whole, then {@code unit}. */
  static List<String> relayLimit(JsonObject r, String key, String unit) {
    return ifRelay(r, () -> {
      Object v = r.getValue(key);
      return List.of(number(v instanceof Number n ? n.doubleValue() : Double.NaN) + unit);
    });
  }

  /** The entries of blacklist.txt or blocklist.txt. */
  static List<String> accessList(JsonObject r) {
    return lines(r.getJsonArray("entries", new JsonArray()), String::valueOf);
  }

  /** Whether an IP is on the list: {@code true} or {@code false}. */
  static List<String> listed(JsonObject r) {
    return List.of(String.valueOf(r.getBoolean("listed", false)));
  }

  static List<String> added(JsonObject r) {
    return List.of("added: " + r.getJsonArray("added").encode());
  }

  static List<String> removed(JsonObject r) {
    return List.of("removed: " + r.getJsonArray("removed").encode());
  }

  // ------------------------------------------------------------------ pieces

  /** A node's relay answer as {@code lines} gives it, or a note that the node runs no relay. */
  private static List<String> ifRelay(JsonObject r, Supplier<List<String>> lines) {
    return r.getBoolean("relay", false) ? lines.get() : List.of("no relay on this node");
  }

  private static <T> List<String> lines(Iterable<T> items, Function<T, String> line) {
    List<String> lines = new ArrayList<>();
    items.forEach(item -> lines.add(line.apply(item)));
    return lines;
  }

  /** {@code ip:port}, the IP in brackets if it is IPv6; {@code -} without an IP. */
  private static String address(JsonObject p) {
    String ip = p.getString("ip");
    return ip == null ? "-" : (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + p.getInteger("port");
  }

  /** An ISO-8601 instant, or {@code -} without one. */
  private static String instant(Long epochMillis) {
    return epochMillis == null ? "-" : Instant.ofEpochMilli(epochMillis).toString();
  }

  private static String yesNo(boolean b) {
    return b ? "Y" : "N";
  }

  /** A number, or the sum of a {local, remote} split. */
  private static String total(Object v) {
    if (v instanceof JsonObject split) {
      double sum = 0;
      for (Map.Entry<String, Object> e : split) {
        sum += e.getValue() instanceof Number n ? n.doubleValue() : 0;
      }
      return number(sum);
    }
    return v == null ? "-" : v.toString();
  }

  /** Whole numbers without {@code .0}. */
  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
