package dev.vertdesk.admin;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar vertdesk.jar admin [options] <command> [arguments]}: the admin API's
 * command-line client, with the commands of hbbs' and hbbr's consoles (docs/protocol.md §5.8, §7.6;
 * same short names) plus status, peers, events and the event-bus view. Plain JDK HTTP, no Vert.x.
 * Exit codes: 0 done, 1 usage error, 2 the API refused or failed, 3 nothing answered.
 */
public final class AdminCli {

  public static final String COMMAND = "admin";
  static final String DEFAULT_URL = "http://127.0.0.1:21120";
  static final List<String> TOKEN_FILES = List.of("admin.token", "/var/lib/vertdesk/admin.token");

  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: java -jar vertdesk.jar admin [options] <command> [arguments]",
      "",
      "Options:",
      "    --url <url>            admin API (default $VERTDESK_ADMIN_URL or " + DEFAULT_URL + ")",
      "    --token-file <file>    file with the API token (default $VERTDESK_ADMIN_TOKEN_FILE, else",
      "                           ./admin.token, else /var/lib/vertdesk/admin.token)",
      "    --token <token>        the token itself (default $VERTDESK_ADMIN_TOKEN)",
      "    --json                 print the API's JSON answer instead of text",
      "    --timeout <ms>         time limit of each request (default 10000)",
      "",
      "Commands:",
      "    status                                 every node: ports, peers, relay, drain",
      "    health                                 readiness checks of the node behind --url",
      "    drain                                  start draining the node behind --url (not the others)",
      "    peers [--online] [--prefix P] [--limit N]   IDs held by the node",
      "    peer <id>                              one device: online, address, key",
      "    events [--type T[,T]] [--id ID] [--node N] [--limit N] [--follow] [--count N]",
      "                                           recent domain events; --follow streams them",
      "    eventbus                               event-bus addresses with handlers, pending, processed",
      "    relay-servers|rs [a,b,...]             relay servers handed to clients; with a list, replace it",
      "    test-geo|tg <ip1> [<ip2>]              the relay the next punch request gets (advances the rotation)",
      "    always-use-relay|aur [Y|N]             show or set ALWAYS_USE_RELAY",
      "    ip-blocker|ib [<ip>|<offset>] [-]      registration limiter per IP; '<ip> -' lifts it",
      "    ip-changes|ic [<id>|<offset>] [-]      IDs seen with several IPs in 6 minutes; '-' forgets",
      "    punch-requests|pr [<start> [<n>]] | -  punch-request log, newest first; '-' clears it",
      "    usage|u  (or: relay usage)             live relay sessions, busiest first",
      "    blacklist|b [<ip>]                     list blacklist.txt, or tell whether <ip> is on it",
      "    blacklist-add|ba <ip>[|<ip>...]        add to blacklist.txt (held to limit-speed)",
      "    blacklist-remove|br <ip>...|all        remove from blacklist.txt",
      "    blocklist|B [<ip>], blocklist-add|Ba, blocklist-remove|Br   the same for blocklist.txt (refused)",
      "    blocklist add|remove|list ..., blacklist add|remove|list ...  the same, spelled out",
      "    downgrade-threshold|dt [v]             show or set DOWNGRADE_THRESHOLD",
      "    downgrade-start-check|t [seconds]      show or set DOWNGRADE_START_CHECK",
      "    limit-speed|ls [Mb/s]                  show or set LIMIT_SPEED",
      "    total-bandwidth|tb [Mb/s]              show or set TOTAL_BANDWIDTH",
      "    single-bandwidth|sb [Mb/s]             show or set SINGLE_BANDWIDTH",
      "",
      "Changes apply to every node of a cluster; relay limits last until a restart, list edits",
      "are written to the files in each node's data directory.");

  /** Usage problems: exit 1. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** The API answered with an error: exit 2. */
  static final class ApiException extends RuntimeException {
    ApiException(String message) {
      super(message);
    }
  }

  private final PrintStream out;
  private final Map<String, String> env;
  private String url;
  private String token;
  private boolean json;
  private long timeoutMillis = 10_000;
  private HttpClient http;

  private AdminCli(PrintStream out, Map<String, String> env) {
    this.out = out;
    this.env = env;
  }

  /** True if {@code arg}, the jar's first argument, asks for this client. */
  public static boolean isCommand(String arg) {
    return COMMAND.equals(arg);
  }

  /** Runs the command in {@code args} (what follows {@code admin}); returns the exit code. */
  public static int run(String[] args) {
    int code = run(args, System.out, System.getenv());
    System.out.flush();
    return code;
  }

  public static int run(String[] args, PrintStream out, Map<String, String> env) {
    AdminCli cli = new AdminCli(out, env);
    try {
      return cli.main(new ArrayList<>(List.of(args)));
    } catch (UsageException e) {
      out.println("error: " + e.getMessage());
      out.println();
      out.println(USAGE);
      return 1;
    } catch (ApiException e) {
      out.println("error: " + e.getMessage());
      return 2;
    } catch (ConnectException | HttpConnectTimeoutException e) {
      out.println("error: nothing answers at " + cli.url + " (is the admin verticle enabled, and is this its host and port?)");
      return 3;
    } catch (IOException e) {
      out.println("error: " + cli.url + ": " + e);
      return 3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    }
  }

  private int main(List<String> args) throws IOException, InterruptedException {
    String tokenFile = null;
    while (!args.isEmpty() && args.get(0).startsWith("--")) {
      String opt = args.remove(0);
      switch (opt) {
        case "--url" -> url = value(opt, args);
        case "--token-file" -> tokenFile = value(opt, args);
        case "--token" -> token = value(opt, args);
        case "--json" -> json = true;
        case "--timeout" -> timeoutMillis = number(opt, value(opt, args));
        case "--help" -> {
          out.println(USAGE);
          return 0;
        }
        default -> throw new UsageException("unknown option " + opt);
      }
    }
    if (args.isEmpty()) {
      throw new UsageException("no command");
    }
    if (url == null) {
      url = env.getOrDefault("VERTDESK_ADMIN_URL", DEFAULT_URL);
    }
    url = url.replaceAll("/+$", "");
    String command = args.remove(0);
    if (command.equals("help") || command.equals("h")) {
      out.println(USAGE);
      return 0;
    }
    if (!command.equals("health")) {
      token = resolveToken(tokenFile);
    }
    http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofMillis(Math.min(timeoutMillis, 5000))).build();
    dispatch(command, args);
    return 0;
  }

  private String resolveToken(String tokenFile) throws IOException {
    if (token != null) {
      return token;
    }
    if (tokenFile == null && env.get("VERTDESK_ADMIN_TOKEN") != null) {
      return env.get("VERTDESK_ADMIN_TOKEN").trim();
    }
    List<String> candidates = tokenFile != null ? List.of(tokenFile)
        : env.get("VERTDESK_ADMIN_TOKEN_FILE") != null ? List.of(env.get("VERTDESK_ADMIN_TOKEN_FILE")) : TOKEN_FILES;
    for (String c : candidates) {
      Path p = Path.of(c);
      if (Files.isRegularFile(p)) {
        try {
          return Files.readString(p, StandardCharsets.UTF_8).trim();
        } catch (java.nio.file.AccessDeniedException e) {
          throw new ApiException("cannot read " + p + ": permission denied (run as the server's user, e.g. sudo -u vertdesk)");
        }
      }
    }
    throw new UsageException("no token: pass --token-file <data dir>/admin.token (looked for " + candidates + ")");
  }

  private static String value(String opt, List<String> args) {
    if (args.isEmpty()) {
      throw new UsageException(opt + " needs a value");
    }
    return args.remove(0);
  }

  private static long number(String what, String v) {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(what + ": not a whole number: " + v);
    }
  }

  private static double decimal(String what, String v) {
    try {
      double d = Double.parseDouble(v.trim().replaceAll("(?i)(mb/s|s)$", ""));
      if (!Double.isFinite(d) || d < 0) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException(what + ": not a number >= 0: " + v);
    }
  }

  // ------------------------------------------------------------------ commands

  private void dispatch(String command, List<String> args) throws IOException, InterruptedException {
    switch (command) {
      case "status" -> perNode(get("/api/status"), this::printStatus);
      case "health" -> health();
      case "drain" -> {
        JsonObject r = post("/api/drain", new JsonObject());
        out.println(json ? r.encodePrettily() : "node " + r.getString("node") + (r.getBoolean("started", false)
            ? " is draining" : " was already draining") + ": " + r.getInteger("relaySessions", 0)
            + " relay sessions may go on for " + r.getLong("timeoutSeconds", 0L) + " s");
      }
      case "peers" -> peers(args);
      case "peer" -> peer(args);
      case "events" -> events(args);
      case "eventbus", "eb" -> perNode(get("/api/eventbus"), this::printEventBus);
      case "relay-servers", "rs" -> relayServers(args);
      case "test-geo", "tg" -> {
        if (args.isEmpty() || args.size() > 2) {
          throw new UsageException("test-geo <ip1> [<ip2>]");
        }
        StringBuilder q = new StringBuilder("/api/relay-servers/next");
        for (int i = 0; i < args.size(); i++) {
          q.append(i == 0 ? '?' : '&').append("ip=").append(enc(args.get(i)));
        }
        JsonObject r = get(q.toString());
        out.println(json ? r.encodePrettily() : r.getString("relay").isEmpty() ? "(none)" : r.getString("relay"));
      }
      case "always-use-relay", "aur" -> alwaysUseRelay(args);
      case "ip-blocker", "ib" -> ipBlocker(args);
      case "ip-changes", "ic" -> ipChanges(args);
      case "punch-requests", "pr" -> punchRequests(args);
      case "usage", "u" -> perNode(get("/api/relay/usage"), this::printUsage);
      case "relay" -> relay(args);
      case "blacklist", "b" -> accessList("blacklist", args, null);
      case "blacklist-add", "ba" -> accessList("blacklist", args, "add");
      case "blacklist-remove", "br" -> accessList("blacklist", args, "remove");
      case "blocklist", "B" -> accessList("blocklist", args, null);
      case "blocklist-add", "Ba" -> accessList("blocklist", args, "add");
      case "blocklist-remove", "Br" -> accessList("blocklist", args, "remove");
      case "downgrade-threshold", "dt" -> limit("downgradeThreshold", args, "");
      case "downgrade-start-check", "t" -> limit("downgradeStartCheck", args, "s");
      case "limit-speed", "ls" -> limit("limitSpeed", args, "Mb/s");
      case "total-bandwidth", "tb" -> limit("totalBandwidth", args, "Mb/s");
      case "single-bandwidth", "sb" -> limit("singleBandwidth", args, "Mb/s");
      default -> throw new UsageException("unknown command " + command);
    }
  }

  private void relay(List<String> args) throws IOException, InterruptedException {
    if (args.isEmpty()) {
      throw new UsageException("relay usage | relay limits");
    }
    String sub = args.remove(0);
    switch (sub) {
      case "usage" -> perNode(get("/api/relay/usage"), this::printUsage);
      case "limits" -> perNode(get("/api/relay/limits"), r -> {
        if (!r.getBoolean("relay", false)) {
          out.println("no relay on this node");
          return;
        }
        for (String k : AdminCommands.LIMIT_KEYS) {
          out.println(k + ": " + r.getValue(k));
        }
      });
      default -> throw new UsageException("relay usage | relay limits");
    }
  }

  private void health() throws IOException, InterruptedException {
    HttpResponse<String> resp = send(HttpRequest.newBuilder(uri("/health/ready")).GET());
    JsonObject body = parse(resp.body());
    if (json) {
      out.println(body.encodePrettily());
    } else {
      out.println(body.getString("status", "?") + " (HTTP " + resp.statusCode() + ")");
      JsonObject checks = body.getJsonObject("checks", new JsonObject());
      for (String k : checks.fieldNames()) {
        JsonObject c = checks.getJsonObject(k);
        JsonObject rest = c.copy();
        rest.remove("ok");
        out.println("  " + k + ": " + (c.getBoolean("ok", false) ? "ok" : "NOT OK") + (rest.isEmpty() ? "" : " " + rest.encode()));
      }
    }
    if (resp.statusCode() != 200) {
      throw new ApiException("not ready");
    }
  }

  private void peers(List<String> args) throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder();
    while (!args.isEmpty()) {
      String a = args.remove(0);
      switch (a) {
        case "--online" -> q.append("&online=true");
        case "--prefix" -> q.append("&prefix=").append(enc(value(a, args)));
        case "--limit" -> q.append("&limit=").append(number(a, value(a, args)));
        default -> throw new UsageException("peers [--online] [--prefix P] [--limit N]");
      }
    }
    JsonObject r = get("/api/peers" + (q.length() == 0 ? "" : "?" + q.substring(1)));
    if (json) {
      out.println(r.encodePrettily());
      return;
    }
    out.println(r.getInteger("registered") + " registered, " + r.getInteger("online") + " online on node " + r.getString("node"));
    for (Object o : r.getJsonArray("peers")) {
      out.println(peerLine((JsonObject) o));
    }
  }

  private static String peerLine(JsonObject p) {
    String addr = p.getString("ip") == null ? "-" : hostPort(p.getString("ip"), p.getInteger("port"));
    Long last = p.getLong("lastRegMillis");
    return String.format(Locale.ROOT, "%-20s %-8s %-40s %s", p.getString("id"),
        p.getBoolean("online", false) ? "online" : "offline", addr,
        last == null ? "-" : Instant.ofEpochMilli(last).toString());
  }

  private static String hostPort(String ip, Integer port) {
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
  }

  private void peer(List<String> args) throws IOException, InterruptedException {
    if (args.size() != 1) {
      throw new UsageException("peer <id>");
    }
    JsonObject p = get("/api/peers/" + path(args.get(0)));
    if (json) {
      out.println(p.encodePrettily());
      return;
    }
    out.println("id:       " + p.getString("id"));
    out.println("online:   " + p.getBoolean("online"));
    out.println("address:  " + (p.getString("ip") == null ? "-" : hostPort(p.getString("ip"), p.getInteger("port"))));
    Long last = p.getLong("lastRegMillis");
    out.println("last seen: " + (last == null ? "-" : Instant.ofEpochMilli(last)));
    out.println("key:      " + (p.getString("pk") == null ? "-" : p.getString("pk")));
    out.println("linked to this node: " + p.getBoolean("linkedHere", false));
  }

  private void events(List<String> args) throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder();
    boolean follow = false;
    long count = Long.MAX_VALUE;
    int limit = -1;
    while (!args.isEmpty()) {
      String a = args.remove(0);
      switch (a) {
        case "--type" -> q.append("&type=").append(enc(value(a, args)));
        case "--id" -> q.append("&id=").append(enc(value(a, args)));
        case "--node" -> q.append("&node=").append(enc(value(a, args)));
        case "--limit" -> limit = (int) number(a, value(a, args));
        case "--follow", "-f" -> follow = true;
        case "--count" -> count = number(a, value(a, args));
        default -> throw new UsageException("events [--type T[,T]] [--id ID] [--node N] [--limit N] [--follow] [--count N]");
      }
    }
    if (!follow) {
      if (limit > 0) {
        q.append("&limit=").append(limit);
      }
      JsonObject r = get("/api/events" + (q.length() == 0 ? "" : "?" + q.substring(1)));
      if (json) {
        out.println(r.encodePrettily());
        return;
      }
      for (Object o : r.getJsonArray("events")) {
        out.println(eventLine((JsonObject) o));
      }
      return;
    }
    q.append("&replay=").append(Math.max(0, limit));
    HttpRequest req = HttpRequest.newBuilder(uri("/api/events/stream?" + q.substring(1)))
        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    if (resp.statusCode() != 200) {
      String body = new String(resp.body().readAllBytes(), StandardCharsets.UTF_8);
      throw new ApiException("HTTP " + resp.statusCode() + ": " + errorOf(body));
    }
    long seen = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
      String line;
      while (seen < count && (line = in.readLine()) != null) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        JsonObject e = parse(line.substring(6));
        if (e.containsKey("dropped") && !e.containsKey("type")) {
          out.println("(" + e.getValue("dropped") + " events dropped: this client reads too slowly)");
          continue;
        }
        out.println(json ? e.encode() : eventLine(e));
        out.flush();
        seen++;
      }
    }
  }

  static String eventLine(JsonObject e) {
    StringBuilder sb = new StringBuilder();
    Long ts = e.getLong("ts");
    sb.append(ts == null ? "-" : Instant.ofEpochMilli(ts).toString()).append(' ').append(e.getString("type", "?"));
    for (Map.Entry<String, Object> f : e) {
      if (!Set.of("type", "ts", "node").contains(f.getKey())) {
        sb.append(' ').append(f.getKey()).append('=').append(f.getValue());
      }
    }
    if (e.getValue("node") != null) {
      sb.append(" node=").append(e.getValue("node"));
    }
    return sb.toString();
  }

  private void relayServers(List<String> args) throws IOException, InterruptedException {
    JsonObject r = args.isEmpty() ? get("/api/relay-servers")
        : put("/api/relay-servers", new JsonObject().put("servers", new JsonArray(split(String.join(",", args)))));
    perNode(r, x -> {
      JsonArray active = x.getJsonArray("active", new JsonArray());
      if (active.isEmpty()) {
        out.println("(none)");
      }
      active.forEach(out::println);
    });
  }

  private void alwaysUseRelay(List<String> args) throws IOException, InterruptedException {
    JsonObject r;
    if (args.isEmpty()) {
      r = get("/api/always-use-relay");
    } else {
      String v = args.get(0).toUpperCase(Locale.ROOT);
      if (!v.equals("Y") && !v.equals("N")) {
        throw new UsageException("always-use-relay [Y|N]");
      }
      r = put("/api/always-use-relay", new JsonObject().put("value", v.equals("Y")));
    }
    perNode(r, x -> out.println("ALWAYS_USE_RELAY: " + (x.getBoolean("value", false) ? "Y" : "N")));
  }

  private void ipBlocker(List<String> args) throws IOException, InterruptedException {
    if (args.isEmpty() || args.get(0).matches("\\d+")) {
      String offset = args.isEmpty() ? "0" : args.get(0);
      perNode(get("/api/ip-blocker?offset=" + offset), r -> {
        if (!r.getBoolean("available", false)) {
          out.println("no registration limiter on this node");
          return;
        }
        out.println(r.getInteger("total"));
        for (Object o : r.getJsonArray("entries")) {
          JsonObject e = (JsonObject) o;
          out.println(e.getString("ip") + ": " + blockerLine(e));
        }
      });
      return;
    }
    String ip = args.get(0);
    if (args.size() > 1 && args.get(1).equals("-")) {
      perNode(delete("/api/ip-blocker/" + path(ip), null),
          r -> out.println(r.getBoolean("removed", false) ? "removed" : "not tracked"));
    } else {
      perNode(get("/api/ip-blocker/" + path(ip)), r -> {
        JsonObject e = r.getJsonObject("entry");
        out.println(e == null ? "not tracked" : blockerLine(e));
      });
    }
  }

  private static String blockerLine(JsonObject e) {
    return e.getInteger("count") + "/" + e.getLong("lastSecondsAgo") + "s " + e.getInteger("ids") + "IDs/"
        + e.getLong("idsSecondsAgo") + "s";
  }

  private void ipChanges(List<String> args) throws IOException, InterruptedException {
    boolean clear = args.contains("-");
    args.remove("-");
    String arg = args.isEmpty() ? null : args.get(0);
    boolean offset = arg != null && arg.matches("\\d{1,8}");
    if (clear) {
      perNode(delete(offset || arg == null ? "/api/ip-changes" : "/api/ip-changes/" + path(arg), null),
          r -> out.println("cleared " + r.getInteger("cleared")));
      return;
    }
    String q = arg == null ? "" : offset ? "?offset=" + arg : "?id=" + enc(arg);
    JsonObject r = get("/api/ip-changes" + q);
    if (json) {
      out.println(r.encodePrettily());
      return;
    }
    out.println(r.getInteger("total"));
    for (Object o : r.getJsonArray("changes")) {
      JsonObject c = (JsonObject) o;
      out.println(c.getString("id") + ": " + c.getLong("ageSeconds") + "s " + c.getJsonObject("ips").encode());
    }
  }

  private void punchRequests(List<String> args) throws IOException, InterruptedException {
    if (!args.isEmpty() && args.get(0).equals("-")) {
      perNode(delete("/api/punch-requests", null), r -> out.println("cleared " + r.getInteger("cleared")));
      return;
    }
    String start = args.isEmpty() ? "0" : String.valueOf(number("start", args.get(0)));
    String n = args.size() < 2 ? "10" : String.valueOf(number("n", args.get(1)));
    JsonObject r = get("/api/punch-requests?start=" + start + "&limit=" + n);
    if (json) {
      out.println(r.encodePrettily());
      return;
    }
    for (Object o : r.getJsonArray("requests")) {
      JsonObject p = (JsonObject) o;
      Long ts = p.getLong("ts");
      out.println((ts == null ? "-" : Instant.ofEpochMilli(ts).toString().replaceAll("\\.\\d+Z$", "Z")) + " "
          + p.getString("from") + " -> " + p.getString("id") + (p.getString("to") == null ? "" : "@" + p.getString("to"))
          + " " + p.getString("outcome"));
    }
  }

  private void accessList(String list, List<String> args, String op) throws IOException, InterruptedException {
    if (op == null && !args.isEmpty() && List.of("add", "remove", "list").contains(args.get(0))) {
      op = args.remove(0);
    }
    String base = "/api/relay/" + list;
    if (op == null || op.equals("list")) {
      if (args.isEmpty()) {
        perNode(get(base), r -> r.getJsonArray("entries", new JsonArray()).forEach(out::println));
      } else {
        perNode(get(base + "?ip=" + enc(args.get(0))), r -> out.println(r.getBoolean("listed", false)));
      }
      return;
    }
    List<String> ips = split(String.join("|", args));
    if (ips.isEmpty()) {
      throw new UsageException(list + " " + op + " <ip>[|<ip>...]" + (op.equals("remove") ? " | all" : ""));
    }
    if (op.equals("add")) {
      perNode(post(base, new JsonObject().put("ips", new JsonArray(ips))),
          r -> out.println("added: " + r.getJsonArray("added").encode()));
    } else {
      JsonObject body = ips.equals(List.of("all")) ? new JsonObject().put("all", true)
          : new JsonObject().put("ips", new JsonArray(ips));
      perNode(delete(base, body), r -> out.println("removed: " + r.getJsonArray("removed").encode()));
    }
  }

  private void limit(String key, List<String> args, String unit) throws IOException, InterruptedException {
    JsonObject r = args.isEmpty() ? get("/api/relay/limits")
        : put("/api/relay/limits", new JsonObject().put(key, decimal(key, args.get(0))));
    perNode(r, x -> {
      if (!x.getBoolean("relay", false)) {
        out.println("no relay on this node");
        return;
      }
      Object v = x.getValue(key);
      double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
      out.println((d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d)) + unit);
    });
  }

  private static List<String> split(String s) {
    List<String> out = new ArrayList<>();
    for (String p : s.split("[,|\\s]+")) {
      if (!p.isBlank()) {
        out.add(p.trim());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ rendering

  private void perNode(JsonObject answer, java.util.function.Consumer<JsonObject> render) {
    if (json) {
      out.println(answer.encodePrettily());
      return;
    }
    JsonArray nodes = answer.getJsonArray("nodes", new JsonArray());
    boolean many = nodes.size() > 1;
    for (Object o : nodes) {
      JsonObject n = (JsonObject) o;
      if (many) {
        out.println("== node " + n.getString("node"));
      }
      if (n.getBoolean("ok", false)) {
        render.accept(n.getJsonObject("result", new JsonObject()));
      } else {
        out.println("error on node " + n.getString("node") + ": " + n.getString("error"));
      }
    }
    if (answer.getBoolean("partial", false)) {
      out.println("(" + nodes.size() + " of " + answer.getInteger("expected") + " nodes answered)");
    }
  }

  private void printStatus(JsonObject s) {
    out.println("node " + s.getString("node") + (s.getBoolean("clustered", false)
        ? " (cluster of " + s.getInteger("members") + ")" : "") + ", up " + s.getLong("uptimeSeconds") + "s"
        + (s.getBoolean("draining", false) ? ", DRAINING" : ""));
    List<String> ports = new ArrayList<>();
    s.getJsonObject("ports", new JsonObject()).forEach(e -> ports.add(e.getKey() + "=" + e.getValue()));
    out.println("  ports: " + String.join(" ", ports));
    JsonObject peers = s.getJsonObject("peers", new JsonObject());
    out.println("  peers: " + peers.getInteger("registered") + " registered, " + peers.getInteger("online") + " online");
    JsonObject relay = s.getJsonObject("relay", new JsonObject());
    out.println(relay.getBoolean("running", false)
        ? "  relay: " + relay.getInteger("sessions") + " sessions, " + relay.getInteger("waiting") + " waiting, blocklist "
            + relay.getInteger("blocklist") + ", blacklist " + relay.getInteger("blacklist")
        : "  relay: not running on this node");
    out.println("  always-use-relay: " + (s.getBoolean("alwaysUseRelay", false) ? "Y" : "N")
        + ", relay servers: " + (s.getJsonArray("relayServers", new JsonArray()).isEmpty() ? "(none)"
        : String.join(",", s.getJsonArray("relayServers").getList())));
  }

  private void printUsage(JsonObject r) {
    if (!r.getBoolean("relay", false)) {
      out.println("no relay on this node");
      return;
    }
    for (Object o : r.getJsonArray("sessions")) {
      JsonObject s = (JsonObject) o;
      long bytes = s.getLong("bytesFirstToSecond", 0L) + s.getLong("bytesSecondToFirst", 0L);
      long secs = Math.max(1, s.getLong("seconds", 0L));
      // hbbr's usage line: ip:port: Ns X.XXMB highest kb/s avg kb/s current kb/s
      out.println(String.format(Locale.ROOT, "%s: %ds %.2fMB %dkb/s %dkb/s %dkb/s (%s)%s%s",
          s.getString("second"), s.getLong("seconds", 0L), bytes / 1024.0 / 1024.0,
          s.getLong("highestBitsPerSecond", 0L) / 1024, bytes * 8 / 1024 / secs,
          s.getLong("currentBitsPerSecond", 0L) / 1024, s.getString("first"),
          s.getBoolean("downgraded", false) ? " downgraded" : "", s.getBoolean("blacklisted", false) ? " blacklisted" : ""));
    }
  }

  private void printEventBus(JsonObject r) {
    if (!r.getBoolean("metrics", false)) {
      out.println("metrics are off on this node");
      return;
    }
    out.println(String.format(Locale.ROOT, "%-44s %8s %8s %10s %10s", "address", "handlers", "pending", "processed", "published"));
    for (Object o : r.getJsonArray("addresses")) {
      JsonObject a = (JsonObject) o;
      out.println(String.format(Locale.ROOT, "%-44s %8s %8s %10s %10s", a.getString("address"),
          total(a.getValue("handlers")), total(a.getValue("pending")), total(a.getValue("processed")),
          total(a.getValue("published"))));
    }
  }

  /** A number, or the sum of a {local, remote} split. */
  private static String total(Object v) {
    if (v instanceof JsonObject split) {
      double sum = 0;
      for (Map.Entry<String, Object> e : split) {
        sum += e.getValue() instanceof Number n ? n.doubleValue() : 0;
      }
      return sum == Math.rint(sum) ? Long.toString((long) sum) : Double.toString(sum);
    }
    return v == null ? "-" : v.toString();
  }

  // ------------------------------------------------------------------ HTTP

  private URI uri(String path) {
    return URI.create(url + path);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String path(String s) {
    return enc(s).replace("+", "%20");
  }

  private JsonObject get(String path) throws IOException, InterruptedException {
    return call(HttpRequest.newBuilder(uri(path)).GET());
  }

  private JsonObject put(String path, JsonObject body) throws IOException, InterruptedException {
    return call(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private JsonObject post(String path, JsonObject body) throws IOException, InterruptedException {
    return call(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private JsonObject delete(String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
    if (body == null) {
      b.DELETE();
    } else {
      b.header("Content-Type", "application/json").method("DELETE", HttpRequest.BodyPublishers.ofString(body.encode()));
    }
    return call(b);
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.timeout(Duration.ofMillis(timeoutMillis)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private JsonObject call(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> resp = send(b);
    if (resp.statusCode() == 401) {
      throw new ApiException("the API refused the token (HTTP 401); use the admin.token of the node's data directory");
    }
    if (resp.statusCode() >= 400) {
      throw new ApiException("HTTP " + resp.statusCode() + ": " + errorOf(resp.body()));
    }
    return parse(resp.body());
  }

  private static String errorOf(String body) {
    try {
      JsonObject o = new JsonObject(body);
      if (o.getString("error") != null) {
        return o.getString("error");
      }
      JsonArray nodes = o.getJsonArray("nodes");
      if (nodes != null && !nodes.isEmpty()) {
        return nodes.getJsonObject(0).getString("error", body);
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      return body;
    }
  }

  private static JsonObject parse(String body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException e) {
      throw new ApiException("not a JSON answer: " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
    }
  }
}
