package dev.vertdesk.app;

import dev.vertdesk.config.CommandLineSettings;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.Role;
import dev.vertdesk.config.Spelling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the launcher's command line. The first word picks the command: none (or an option)
 * starts a node with every verticle the configuration enables; {@code hbbs} and {@code hbbr} start
 * the ID server or the relay alone and take rustdesk-server's flags of the same name
 * (docs/protocol.md §9.1); the tools run without a server. Anything else is a usage error naming
 * the closest command or the accepted flags, so a typo never starts a server.
 */
final class LauncherArgs {

  /** Exit status of a command line that cannot be run (sysexits' EX_USAGE). */
  static final int EXIT_USAGE = 64;

  /** The command words, as {@code --help} lists them. */
  static final List<String> COMMANDS = List.of("hbbs", "hbbr", "genkeypair", "validatekeypair", "doctor", "admin",
      "healthcheck", "help", "version");

  /** A command line that cannot be run; the message says why. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /**
   * One rustdesk-server flag: its short and long names, what it sets and its help line.
   *
   * @param key the configuration key it sets; {@code null} for {@code -c}, the options file
   */
  record Flag(char shortName, String longName, String metavar, String key, String help) {

    String usage() {
      return "-" + shortName + ", --" + longName + " <" + metavar + ">";
    }
  }

  /** hbbs' flags (rustdesk-server src/main.rs), with the keys they set. */
  static final List<Flag> HBBS_FLAGS = List.of(
      new Flag('c', "config", "FILE", null, "options file: rustdesk-server names, NAME=value a line, like .env"),
      new Flag('p', "port", "PORT", option("PORT"),
          "base port (21116): UDP/TCP PORT, NAT test PORT-1, WebSocket PORT+2, admin PORT+4"),
      new Flag('r', "relay-servers", "HOSTS", option("RELAY_SERVERS"), "relay servers handed to clients, comma-separated"),
      new Flag('k', "key", "KEY", option("KEY"), "'_' or '-': the key pair in the data directory; else the key clients must use"),
      new Flag('M', "rmem", "BYTES", option("RMEM"), "UDP receive buffer"),
      new Flag('m', "mask", "NETWORK", option("MASK"), "[deprecated] the LAN, e.g. 192.168.0.0/16"),
      new Flag('s', "serial", "NUMBER", option("SERIAL"), "[deprecated] configuration update serial"),
      new Flag('R', "rendezvous-servers", "HOSTS", option("RENDEZVOUS_SERVERS"), "[deprecated] ID servers pushed to clients"),
      new Flag('u', "software-url", "URL", option("SOFTWARE_URL"), "[deprecated] download URL of the newest client"),
      new Flag('b', "bind", "IP", option("BIND"), "address every listener binds (default: all interfaces)"));

  /** hbbr's flags (rustdesk-server src/hbbr.rs): {@code -p} is the relay port itself, as in hbbr. */
  static final List<Flag> HBBR_FLAGS = List.of(
      new Flag('p', "port", "PORT", "verticles.relay.config.port",
          "relay port (21117): WebSocket relay PORT+2, admin PORT+4"),
      new Flag('k', "key", "KEY", option("KEY"), "'_' or '-': the key pair in the data directory; else the key clients must use"),
      new Flag('b', "bind", "IP", option("BIND"), "address every listener binds (default: all interfaces)"));

  /** Vert.x launcher options that take a value, matched ignoring case as Vert.x does. */
  private static final List<String> VERTX_VALUE_OPTIONS = List.of("-conf", "-options", "-vertx-options",
      "-cluster-host", "-cluster-port", "-cluster-public-host", "-cluster-public-port");
  private static final List<String> VERTX_INTEGER_OPTIONS = List.of("-cluster-port", "-cluster-public-port");

  private LauncherArgs() {
  }

  private static String option(String name) {
    return ConfigLoader.optionPath(name).orElseThrow();
  }

  static LauncherCommand parse(String[] args) {
    if (args.length == 0) {
      return serve(Optional.empty(), List.of());
    }
    String first = args[0];
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    if (first.startsWith("-")) {
      return serve(Optional.empty(), Arrays.asList(args));
    }
    return switch (first.toLowerCase(Locale.ROOT)) {
      case "hbbs" -> serve(Optional.of(Role.HBBS), rest);
      case "hbbr" -> serve(Optional.of(Role.HBBR), rest);
      case "genkeypair", "validatekeypair", "doctor" -> new LauncherCommand.Utility(args);
      case "admin" -> new LauncherCommand.Admin(rest.toArray(String[]::new));
      case "healthcheck" -> healthcheck(rest);
      case "help" -> help(rest);
      case "version" -> {
        noMore("version", rest);
        yield new LauncherCommand.Version();
      }
      default -> throw new UsageException("unknown command '" + first + "'"
          + Spelling.closest(first, COMMANDS).map(c -> "; did you mean '" + c + "'?").orElse("")
          + " (commands: " + String.join(", ", COMMANDS) + "; without one, options start the server)");
    };
  }

  private static LauncherCommand help(List<String> rest) {
    if (rest.isEmpty()) {
      return new LauncherCommand.Help(Optional.empty());
    }
    noMore("help " + rest.get(0), rest.subList(1, rest.size()));
    return switch (rest.get(0).toLowerCase(Locale.ROOT)) {
      case "hbbs" -> new LauncherCommand.Help(Optional.of(Role.HBBS));
      case "hbbr" -> new LauncherCommand.Help(Optional.of(Role.HBBR));
      default -> throw new UsageException("no help on '" + rest.get(0) + "': try 'help', 'help hbbs' or 'help hbbr'"
          + " ('admin help' and 'doctor --help' explain those tools)");
    };
  }

  private static void noMore(String command, List<String> rest) {
    if (!rest.isEmpty()) {
      throw new UsageException("'" + command + "' takes no arguments, got: " + String.join(" ", rest));
    }
  }

  private static LauncherCommand healthcheck(List<String> args) {
    Optional<String> url = Optional.empty();
    int timeout = 5000;
    List<String> server = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--url") || a.equals("--timeout")) {
        if (i + 1 >= args.size()) {
          throw new UsageException(a + " needs a value");
        }
        String v = args.get(++i);
        if (a.equals("--url")) {
          url = Optional.of(v);
        } else {
          timeout = positive(a, v);
        }
      } else {
        server.add(a);
      }
    }
    if (server.isEmpty()) {
      return new LauncherCommand.Healthcheck(serve(Optional.empty(), List.of()), false, url, timeout);
    }
    LauncherCommand.Serve serve = switch (server.get(0).toLowerCase(Locale.ROOT)) {
      case "hbbs" -> serve(Optional.of(Role.HBBS), server.subList(1, server.size()));
      case "hbbr" -> serve(Optional.of(Role.HBBR), server.subList(1, server.size()));
      default -> serve(Optional.empty(), server);
    };
    return new LauncherCommand.Healthcheck(serve, true, url, timeout);
  }

  private static int positive(String flag, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(flag + " expects a positive number, got '" + value + "'");
  }

  /** A server start: Vert.x's options everywhere, the role's flags after {@code hbbs} / {@code hbbr}. */
  private static LauncherCommand.Serve serve(Optional<Role> role, List<String> args) {
    List<Flag> flags = role.map(r -> r == Role.HBBS ? HBBS_FLAGS : HBBR_FLAGS).orElse(List.of());
    String command = role.map(Role::word).orElse("");
    List<CommandLineSettings.Setting> settings = new ArrayList<>();
    role.ifPresent(r -> settings.add(new CommandLineSettings.Setting("role", r.word(), "command " + r.word())));
    Optional<Path> optionsFile = Optional.empty();
    Optional<String> conf = Optional.empty();
    List<String> vertx = new ArrayList<>();
    boolean help = false;
    boolean version = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String lower = arg.toLowerCase(Locale.ROOT);
      if (List.of("-h", "-help", "--help").contains(lower)) {
        help = true;
        continue;
      }
      if (arg.equals("-V") || List.of("-version", "--version").contains(lower)) {
        version = true;
        continue;
      }
      if (!arg.startsWith("-") || arg.equals("-")) {
        throw new UsageException("unexpected argument '" + arg + "'" + (command.isEmpty()
            ? Spelling.closest(arg, COMMANDS).map(c -> "; did you mean the command '" + c + "'? (it comes first)").orElse("")
            : "") + accepted(command, flags));
      }
      // Vert.x's options: -name value, -name=value, also with two dashes
      String bare = lower.startsWith("--") ? lower.substring(1) : lower;
      int eq = bare.indexOf('=');
      String name = eq < 0 ? bare : bare.substring(0, eq);
      if (name.equals("-cluster")) {
        if (eq >= 0) {
          throw new UsageException("-cluster takes no value");
        }
        vertx.add("-cluster");
        continue;
      }
      if (VERTX_VALUE_OPTIONS.contains(name)) {
        String value;
        if (eq >= 0) {
          value = arg.substring(arg.indexOf('=') + 1);
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw new UsageException(name + " needs a value");
        }
        if (VERTX_INTEGER_OPTIONS.contains(name)) {
          port(name, value);
        }
        if (name.equals("-conf")) {
          conf = Optional.of(value);
        } else {
          vertx.add(name.equals("-vertx-options") ? "-options" : name);
          vertx.add(value);
        }
        continue;
      }
      Flag flag = flag(arg, flags, command);
      String value;
      String inline = inlineValue(arg, flag);
      if (inline != null) {
        value = inline;
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new UsageException(command + " " + arg + " needs a value <" + flag.metavar() + ">");
      }
      if (flag.key() == null) {
        optionsFile = Optional.of(Path.of(value));
      } else {
        settings.add(new CommandLineSettings.Setting(flag.key(), value,
            "command-line flag " + (arg.startsWith("--") ? "--" + flag.longName() : "-" + flag.shortName())));
      }
    }
    if (help) {
      throw new HelpRequested(role);
    }
    if (version) {
      throw new VersionRequested();
    }
    return new LauncherCommand.Serve(role, conf, new CommandLineSettings(optionsFile, settings), List.copyOf(vertx));
  }

  /** {@code -h} anywhere among a server's options: its help instead of a start. */
  static final class HelpRequested extends RuntimeException {
    final Optional<Role> role;

    HelpRequested(Optional<Role> role) {
      super(null, null, false, false);
      this.role = role;
    }
  }

  /** {@code --version} anywhere among a server's options. */
  static final class VersionRequested extends RuntimeException {
    VersionRequested() {
      super(null, null, false, false);
    }
  }

  /** Entry point with {@code -h} and {@code --version} among server options resolved. */
  static LauncherCommand read(String[] args) {
    try {
      return parse(args);
    } catch (HelpRequested h) {
      return new LauncherCommand.Help(h.role);
    } catch (VersionRequested v) {
      return new LauncherCommand.Version();
    }
  }

  private static void port(String name, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0 && n <= 65535) {
        return;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(name + " expects a port (0..65535), got '" + value + "'");
  }

  /** The flag {@code arg} names ({@code -p}, {@code -p21116}, {@code -p=21116}, {@code --port}, {@code --port=21116}). */
  private static Flag flag(String arg, List<Flag> flags, String command) {
    if (arg.startsWith("--")) {
      String name = arg.substring(2);
      int eq = name.indexOf('=');
      String longName = eq < 0 ? name : name.substring(0, eq);
      for (Flag f : flags) {
        if (f.longName().equals(longName)) {
          return f;
        }
      }
      Set<String> known = flags.stream().map(f -> "--" + f.longName()).collect(Collectors.toCollection(LinkedHashSet::new));
      known.addAll(launcherOptions());
      throw new UsageException("unknown option " + arg + suggestion("--" + longName, known) + accepted(command, flags));
    }
    // -p21116 and -k_ as clap reads them; but -config or -instances is a mistyped word, not -c onfig
    boolean word = arg.length() > 2 && arg.charAt(2) != '=' && arg.substring(2).matches("[a-z-]+");
    for (Flag f : flags) {
      if (!word && arg.length() >= 2 && arg.charAt(1) == f.shortName()) {
        return f;
      }
    }
    Set<String> known = flags.stream().map(f -> "-" + f.shortName()).collect(Collectors.toCollection(LinkedHashSet::new));
    known.addAll(launcherOptions());
    String typed = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
    throw new UsageException("unknown option " + typed + suggestion(typed, known) + accepted(command, flags));
  }

  private static String inlineValue(String arg, Flag flag) {
    if (arg.startsWith("--")) {
      int eq = arg.indexOf('=');
      return eq < 0 ? null : arg.substring(eq + 1);
    }
    if (arg.length() == 2) {
      return null;
    }
    return arg.charAt(2) == '=' ? arg.substring(3) : arg.substring(2);
  }

  /** " (did you mean --port?)" for a mistyped long name; single letters are too short to guess from. */
  private static String suggestion(String typed, Set<String> known) {
    if (typed.length() <= 2) {
      return "";
    }
    return Spelling.closest(typed, known).map(k -> " (did you mean " + k + "?)").orElse("");
  }

  private static List<String> launcherOptions() {
    return List.of("-conf", "-cluster", "-cluster-host", "-cluster-port", "-cluster-public-host", "-cluster-public-port",
        "-options", "--help", "--version");
  }

  /** The accepted options, for the end of an error message. */
  private static String accepted(String command, List<Flag> flags) {
    String own = flags.stream().map(f -> "-" + f.shortName() + "/--" + f.longName()).collect(Collectors.joining(", "));
    String launcher = String.join(", ", Stream.of("-conf", "-cluster", "-cluster-host", "-cluster-port",
        "-cluster-public-host", "-cluster-public-port", "-options", "-h/--help", "-V/--version").toList());
    return command.isEmpty()
        ? ". Accepted: " + launcher + "; commands: " + String.join(", ", COMMANDS)
        : ". " + command + " accepts: " + own + "; and " + launcher;
  }
}
