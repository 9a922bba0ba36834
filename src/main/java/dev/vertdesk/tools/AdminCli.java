package dev.vertdesk.tools;

import dev.vertdesk.tools.AdminClient.ApiException;
import dev.vertdesk.tools.AdminClient.Query;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code java -jar vertdesk.jar admin [options] <command> [arguments]}: the admin API's
 * command-line client, with the commands of hbbs' and hbbr's consoles (docs/protocol.md §5.8, §7.6;
 * same short names) plus status, peers, events and the event-bus view. This class reads the
 * command line; {@link AdminClient} makes the requests and {@link AdminFormat} words the answers.
 * Exit codes: 0 done, 1 usage error, 2 the API refused or failed, 3 nothing answered.
 */
public final class AdminCli {

  private static final String COMMAND = "admin";

  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: java -jar vertdesk.jar admin [options] <command> [arguments]",
      "",
      "Options:",
      "    --url <url>            admin API (default $VERTDESK_ADMIN_URL or " + AdminClient.DEFAULT_URL + ")",
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
      "    reset-password <user> [-conf <file>]   offline, on the database: a new random password for an",
      "                                           API user (the first admin locked out, say); sessions end",
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

  /** A relay limit's command: its name and alias, the API's key, and the unit printed after the value. */
  private record RelayLimit(String command, String alias, String key, String unit) {
  }

  /** In the API's order, which {@code relay limits} lists. */
  private static final List<RelayLimit> RELAY_LIMITS = List.of(
      new RelayLimit("total-bandwidth", "tb", "totalBandwidth", "Mb/s"),
      new RelayLimit("single-bandwidth", "sb", "singleBandwidth", "Mb/s"),
      new RelayLimit("limit-speed", "ls", "limitSpeed", "Mb/s"),
      new RelayLimit("downgrade-threshold", "dt", "downgradeThreshold", ""),
      new RelayLimit("downgrade-start-check", "t", "downgradeStartCheck", "s"));

  /** Usage problems: exit 1. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private final PrintStream out;
  private final Map<String, String> env;
  /** Known once the options are read; named by the errors of exit 3. */
  private String url;
  private boolean json;
  private AdminClient client;

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
    String token = null;
    long timeoutMillis = 10_000;
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
    if (args.get(0).equals("reset-password")) {
      // offline: on the database itself, for an admin locked out of the API
      return ResetPassword.run(args.subList(1, args.size()), out, env);
    }
    url = AdminClient.baseUrl(url, env);
    String command = args.remove(0);
    if (command.equals("help") || command.equals("h")) {
      out.println(USAGE);
      return 0;
    }
    // the health checks are open; everything else needs the token
    if (token == null && !command.equals("health")) {
      Optional<String> found = AdminClient.findToken(tokenFile, env);
      if (found.isEmpty()) {
        throw new UsageException("no token: pass --token-file <data dir>/admin.token (looked for "
            + AdminClient.tokenFiles(tokenFile, env) + ")");
      }
      token = found.get();
    }
    client = new AdminClient(url, token, timeoutMillis);
    dispatch(command, args);
    return 0;
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

  /** A number >= 0, with or without the unit shown (Mb/s, s). */
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

  /** The addresses in {@code args}, however they are separated: commas, bars or spaces. */
  private static List<String> split(List<String> args) {
    List<String> parts = new ArrayList<>();
    for (String p : String.join(" ", args).split("[,|\\s]+")) {
      if (!p.isBlank()) {
        parts.add(p.trim());
      }
    }
    return parts;
  }

  // ------------------------------------------------------------------ commands

  private void dispatch(String command, List<String> args) throws IOException, InterruptedException {
    switch (command) {
      case "status" -> printPerNode(client.get("/api/status"), AdminFormat::status);
      case "health" -> health();
      case "drain" -> print(client.post("/api/drain", new JsonObject()), AdminFormat::drain);
      case "peers" -> peers(args);
      case "peer" -> {
        if (args.size() != 1) {
          throw new UsageException("peer <id>");
        }
        print(client.get("/api/peers/" + AdminClient.segment(args.get(0))), AdminFormat::peer);
      }
      case "events" -> events(args);
      case "eventbus", "eb" -> printPerNode(client.get("/api/eventbus"), AdminFormat::eventBus);
      case "relay-servers", "rs" -> printPerNode(args.isEmpty() ? client.get("/api/relay-servers")
          : client.put("/api/relay-servers", new JsonObject().put("servers", new JsonArray(split(args)))),
          AdminFormat::relayServers);
      case "test-geo", "tg" -> testGeo(args);
      case "always-use-relay", "aur" -> alwaysUseRelay(args);
      case "ip-blocker", "ib" -> ipBlocker(args);
      case "ip-changes", "ic" -> ipChanges(args);
      case "punch-requests", "pr" -> punchRequests(args);
      case "usage", "u" -> printPerNode(client.get("/api/relay/usage"), AdminFormat::usage);
      case "relay" -> relay(args);
      case "blacklist", "b" -> accessList("blacklist", args, null);
      case "blacklist-add", "ba" -> accessList("blacklist", args, "add");
      case "blacklist-remove", "br" -> accessList("blacklist", args, "remove");
      case "blocklist", "B" -> accessList("blocklist", args, null);
      case "blocklist-add", "Ba" -> accessList("blocklist", args, "add");
      case "blocklist-remove", "Br" -> accessList("blocklist", args, "remove");
      // tb, sb, ls, dt, t and their long names
      default -> relayLimit(RELAY_LIMITS.stream()
          .filter(l -> l.command().equals(command) || l.alias().equals(command)).findFirst()
          .orElseThrow(() -> new UsageException("unknown command " + command)), args);
    }
  }

  private void health() throws IOException, InterruptedException {
    AdminClient.Answer ready = client.getAnswer("/health/ready");
    print(ready.body(), body -> AdminFormat.health(body, ready.status()));
    if (ready.status() != 200) {
      throw new ApiException("not ready");
    }
  }

  private void peers(List<String> args) throws IOException, InterruptedException {
    Query q = new Query();
    while (!args.isEmpty()) {
      String a = args.remove(0);
      switch (a) {
        case "--online" -> q.add("online", true);
        case "--prefix" -> q.add("prefix", value(a, args));
        case "--limit" -> q.add("limit", number(a, value(a, args)));
        default -> throw new UsageException("peers [--online] [--prefix P] [--limit N]");
      }
    }
    print(client.get(q.on("/api/peers")), AdminFormat::peers);
  }

  private void events(List<String> args) throws IOException, InterruptedException {
    Query q = new Query();
    boolean follow = false;
    long count = Long.MAX_VALUE;
    int limit = -1;
    while (!args.isEmpty()) {
      String a = args.remove(0);
      switch (a) {
        case "--type" -> q.add("type", value(a, args));
        case "--id" -> q.add("id", value(a, args));
        case "--node" -> q.add("node", value(a, args));
        case "--limit" -> limit = (int) number(a, value(a, args));
        case "--follow", "-f" -> follow = true;
        case "--count" -> count = number(a, value(a, args));
        default -> throw new UsageException("events [--type T[,T]] [--id ID] [--node N] [--limit N] [--follow] [--count N]");
      }
    }
    if (!follow) {
      if (limit > 0) {
        q.add("limit", limit);
      }
      print(client.get(q.on("/api/events")), AdminFormat::events);
      return;
    }
    q.add("replay", Math.max(0, limit));
    try (AdminClient.EventStream events = client.follow(q.on("/api/events/stream"))) {
      long seen = 0;
      JsonObject e;
      while (seen < count && (e = events.next()) != null) {
        if (AdminFormat.isDropNotice(e)) {
          out.println(AdminFormat.dropNotice(e));
          continue;
        }
        out.println(json ? e.encode() : AdminFormat.event(e));
        out.flush();
        seen++;
      }
    }
  }

  private void testGeo(List<String> args) throws IOException, InterruptedException {
    if (args.isEmpty() || args.size() > 2) {
      throw new UsageException("test-geo <ip1> [<ip2>]");
    }
    Query q = new Query();
    args.forEach(ip -> q.add("ip", ip));
    print(client.get(q.on("/api/relay-servers/next")), AdminFormat::nextRelay);
  }

  private void alwaysUseRelay(List<String> args) throws IOException, InterruptedException {
    JsonObject r;
    if (args.isEmpty()) {
      r = client.get("/api/always-use-relay");
    } else {
      String v = args.get(0).toUpperCase(Locale.ROOT);
      if (!v.equals("Y") && !v.equals("N")) {
        throw new UsageException("always-use-relay [Y|N]");
      }
      r = client.put("/api/always-use-relay", new JsonObject().put("value", v.equals("Y")));
    }
    printPerNode(r, AdminFormat::alwaysUseRelay);
  }

  private void ipBlocker(List<String> args) throws IOException, InterruptedException {
    if (args.isEmpty() || args.get(0).matches("\\d+")) {
      String offset = args.isEmpty() ? "0" : args.get(0);
      printPerNode(client.get(new Query().add("offset", offset).on("/api/ip-blocker")), AdminFormat::ipBlocker);
      return;
    }
    String ip = "/api/ip-blocker/" + AdminClient.segment(args.get(0));
    if (args.size() > 1 && args.get(1).equals("-")) {
      printPerNode(client.delete(ip, null), AdminFormat::ipBlockerRemoved);
    } else {
      printPerNode(client.get(ip), AdminFormat::ipBlockerEntry);
    }
  }

  private void ipChanges(List<String> args) throws IOException, InterruptedException {
    boolean clear = args.contains("-");
    args.remove("-");
    String arg = args.isEmpty() ? null : args.get(0);
    boolean offset = arg != null && arg.matches("\\d{1,8}");
    if (clear) {
      printPerNode(client.delete(offset || arg == null ? "/api/ip-changes" : "/api/ip-changes/" + AdminClient.segment(arg),
          null), AdminFormat::cleared);
      return;
    }
    Query q = new Query();
    if (arg != null) {
      q.add(offset ? "offset" : "id", arg);
    }
    print(client.get(q.on("/api/ip-changes")), AdminFormat::ipChanges);
  }

  private void punchRequests(List<String> args) throws IOException, InterruptedException {
    if (!args.isEmpty() && args.get(0).equals("-")) {
      printPerNode(client.delete("/api/punch-requests", null), AdminFormat::cleared);
      return;
    }
    long start = args.isEmpty() ? 0 : number("start", args.get(0));
    long n = args.size() < 2 ? 10 : number("n", args.get(1));
    print(client.get(new Query().add("start", start).add("limit", n).on("/api/punch-requests")),
        AdminFormat::punchRequests);
  }

  private void relay(List<String> args) throws IOException, InterruptedException {
    String sub = args.isEmpty() ? "" : args.remove(0);
    switch (sub) {
      case "usage" -> printPerNode(client.get("/api/relay/usage"), AdminFormat::usage);
      case "limits" -> printPerNode(client.get("/api/relay/limits"),
          r -> AdminFormat.relayLimits(r, RELAY_LIMITS.stream().map(RelayLimit::key).toList()));
      default -> throw new UsageException("relay usage | relay limits");
    }
  }

  /** {@code list} is blacklist or blocklist; {@code op} add, remove, or null to take it from {@code args}. */
  private void accessList(String list, List<String> args, String op) throws IOException, InterruptedException {
    if (op == null && !args.isEmpty() && List.of("add", "remove", "list").contains(args.get(0))) {
      op = args.remove(0);
    }
    String base = "/api/relay/" + list;
    if (op == null || op.equals("list")) {
      if (args.isEmpty()) {
        printPerNode(client.get(base), AdminFormat::accessList);
      } else {
        printPerNode(client.get(new Query().add("ip", args.get(0)).on(base)), AdminFormat::listed);
      }
      return;
    }
    List<String> ips = split(args);
    if (ips.isEmpty()) {
      throw new UsageException(list + " " + op + " <ip>[|<ip>...]" + (op.equals("remove") ? " | all" : ""));
    }
    if (op.equals("add")) {
      printPerNode(client.post(base, new JsonObject().put("ips", new JsonArray(ips))), AdminFormat::added);
    } else {
      JsonObject body = ips.equals(List.of("all")) ? new JsonObject().put("all", true)
          : new JsonObject().put("ips", new JsonArray(ips));
      printPerNode(client.delete(base, body), AdminFormat::removed);
    }
  }

  private void relayLimit(RelayLimit limit, List<String> args) throws IOException, InterruptedException {
    JsonObject r = args.isEmpty() ? client.get("/api/relay/limits")
        : client.put("/api/relay/limits", new JsonObject().put(limit.key(), decimal(limit.key(), args.get(0))));
    printPerNode(r, x -> AdminFormat.relayLimit(x, limit.key(), limit.unit()));
  }

  // ------------------------------------------------------------------ output

  /** {@code answer} as the API gave it with --json, else as {@code format} words it. */
  private void print(JsonObject answer, Function<JsonObject, List<String>> format) {
    if (json) {
      out.println(answer.encodePrettily());
    } else {
      format.apply(answer).forEach(out::println);
    }
  }

  /** A broadcast answer: see {@link AdminFormat#perNode}. */
  private void printPerNode(JsonObject answer, Function<JsonObject, List<String>> result) {
    print(answer, a -> AdminFormat.perNode(a, result));
  }
}
