package dev.vertdesk.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the effective configuration tree. Layers, later ones winning: the shipped defaults
 * ({@code vertdesk-defaults.json}, which name every built-in key), the {@code -conf} JSON,
 * rustdesk-server option names from the environment, the same names from the data directory's
 * {@code .env}, then {@code VERTDESK_*} variables ({@code __} separates path segments:
 * {@code VERTDESK_VERTICLES__UDP__ENABLED=false}), then the command line ({@link
 * CommandLineSettings}). Reads files: run it before Vert.x starts or on a worker thread.
 */
public final class ConfigLoader {

  public static final String ENV_PREFIX = "VERTDESK_";

  /**
   * {@code VERTDESK_*} variables that are not configuration keys: the {@code vertdesk} wrapper's,
   * the admin command line's and the logging back end's.
   */
  static final Set<String> OTHER_VARIABLES = Set.of("VERTDESK_JAR", "VERTDESK_ARGS", "VERTDESK_ADMIN_URL",
      "VERTDESK_ADMIN_TOKEN", "VERTDESK_ADMIN_TOKEN_FILE", "VERTDESK_LOG_LEVEL");

  /**
   * rustdesk-server option name → path in our tree (docs/protocol.md §9.2, §9.3); MUST_LOGIN is
   * lejianwen's rustdesk-server fork's.
   */
  private static final Map<String, String> COMPAT = Map.ofEntries(
      Map.entry("PORT", "port"),
      Map.entry("BIND", "bind"),
      Map.entry("KEY", "key"),
      Map.entry("RELAY_SERVERS", "relayServers"),
      Map.entry("ALWAYS_USE_RELAY", "alwaysUseRelay"),
      Map.entry("MUST_LOGIN", "mustLogin"),
      Map.entry("DB_URL", "db.url"),
      Map.entry("MASK", "mask"),
      Map.entry("LOCAL_IP", "localIp"),
      Map.entry("RMEM", "verticles.udp.config.rmem"),
      Map.entry("SERIAL", "serial"),
      Map.entry("RENDEZVOUS_SERVERS", "rendezvousServers"),
      Map.entry("SOFTWARE_URL", "softwareUrl"),
      Map.entry("TOTAL_BANDWIDTH", "verticles.relay.config.totalBandwidth"),
      Map.entry("SINGLE_BANDWIDTH", "verticles.relay.config.singleBandwidth"),
      Map.entry("LIMIT_SPEED", "verticles.relay.config.limitSpeed"),
      Map.entry("DOWNGRADE_THRESHOLD", "verticles.relay.config.downgradeThreshold"),
      Map.entry("DOWNGRADE_START_CHECK", "verticles.relay.config.downgradeStartCheck"));

  /**
   * hbbr's limits (docs/protocol.md §7.4), where hbbr keeps its default for a value that is not
   * positive; under our own keys such a value means "unlimited", so under hbbr's names it is not
   * passed on.
   */
  private static final Set<String> HBBR_LIMITS = Set.of(
      "TOTAL_BANDWIDTH", "SINGLE_BANDWIDTH", "LIMIT_SPEED", "DOWNGRADE_THRESHOLD", "DOWNGRADE_START_CHECK");

  private ConfigLoader() {
  }

  /** The shipped defaults: every built-in key, {@code null} where the value is derived. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/vertdesk-defaults.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ConfigTree load(JsonObject conf, Map<String, String> environ) {
    return load(conf, environ, CommandLineSettings.NONE);
  }

  public static ConfigTree load(JsonObject conf, Map<String, String> environ, CommandLineSettings commandLine) {
    JsonObject tree = defaults().mergeIn(conf == null ? new JsonObject() : conf, true);
    Map<String, String> variables = new LinkedHashMap<>();
    applyPrefixed(tree, environ, variables); // first pass: VERTDESK_DATA_DIR may move the .env
    Path dataDir = Path.of(new ConfigBlock(tree, "").string("dataDir", "."));
    Map<String, String> dotEnv = readDotEnv(dataDir.resolve(".env"));
    CompatOptions compat = new CompatOptions(dotEnv, environ);
    COMPAT.forEach((name, path) -> compat.get(name)
        .filter(v -> !(HBBR_LIMITS.contains(name) && notPositive(v)))
        .ifPresent(v -> put(tree, path, v)));
    variables.clear();
    applyPrefixed(tree, environ, variables);
    Map<String, String> flags = new LinkedHashMap<>();
    commandLine.optionsFile().ifPresent(file -> {
      CompatOptions fromFile = new CompatOptions(readOptionsFile(file), Map.of());
      COMPAT.forEach((name, path) -> fromFile.get(name)
          .filter(v -> !(HBBR_LIMITS.contains(name) && notPositive(v)))
          .ifPresent(v -> {
            put(tree, path, v);
            flags.put(path, "options file " + file + ", " + name);
          }));
    });
    for (CommandLineSettings.Setting s : commandLine.settings()) {
      put(tree, s.path(), s.value());
      flags.put(s.path(), s.origin());
    }
    return new ConfigTree(tree, variables, flags);
  }

  /** The key a rustdesk-server option name ({@code PORT}, {@code relay-servers}) sets, if it is one. */
  public static Optional<String> optionPath(String name) {
    return Optional.ofNullable(COMPAT.get(CompatOptions.normalize(name)));
  }

  /** The options file of {@code -c}: unlike a missing {@code .env}, a missing one stops the start. */
  private static Map<String, String> readOptionsFile(Path file) {
    try {
      return CompatOptions.parseDotEnv(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new ConfigException("-c", "no such file: " + file.toAbsolutePath());
    } catch (IOException e) {
      throw new ConfigException("-c", "cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
    }
  }

  private static boolean notPositive(String value) {
    try {
      return !(Double.parseDouble(value.trim()) > 0);
    } catch (NumberFormatException unparsable) {
      return false; // passed on, so that the relay's config check names the key
    }
  }

  private static Map<String, String> readDotEnv(Path file) {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    try {
      return CompatOptions.parseDotEnv(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException(".env", "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Applies {@code VERTDESK_*} variables; records which variable set which path. */
  private static void applyPrefixed(JsonObject tree, Map<String, String> environ, Map<String, String> variables) {
    new TreeMap<>(environ).forEach((name, value) -> {
      String upper = name.toUpperCase(Locale.ROOT);
      if (!upper.startsWith(ENV_PREFIX) || OTHER_VARIABLES.contains(upper)) {
        return;
      }
      String[] segments = name.substring(ENV_PREFIX.length()).split("__");
      JsonObject node = tree;
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < segments.length - 1; i++) {
        String key = matchKey(node, segments[i]);
        path.append(key).append('.');
        JsonObject child = node.getValue(key) instanceof JsonObject j ? j : new JsonObject();
        node.put(key, child);
        node = child;
      }
      String key = matchKey(node, segments[segments.length - 1]);
      path.append(key);
      variables.put(path.toString(), name);
      put(node, key, value);
    });
  }

  /** An existing key that equals the segment ignoring case and underscores, else camelCase. */
  private static String matchKey(JsonObject node, String segment) {
    String wanted = segment.replace("_", "").toLowerCase(Locale.ROOT);
    for (String existing : node.fieldNames()) {
      if (existing.replace("_", "").toLowerCase(Locale.ROOT).equals(wanted)) {
        return existing;
      }
    }
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : segment.toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_') {
        upper = camel.length() > 0;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  /** The {@code VERTDESK_*} variable that reaches {@code path} ({@code limits.ipMaxPerWindow}). */
  public static String variableFor(String path) {
    StringBuilder out = new StringBuilder(ENV_PREFIX);
    String[] segments = path.split("\\.");
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        out.append("__");
      }
      out.append(segments[i].replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
    }
    return out.toString();
  }

  private static void put(JsonObject tree, String path, String value) {
    String[] parts = path.split("\\.");
    JsonObject node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    String key = parts[parts.length - 1];
    Object current = node.getValue(key);
    if (value.isBlank() && current != null && !(current instanceof String)) {
      return; // an empty variable keeps the default, as rustdesk-server reads it
    }
    node.put(key, value);
  }

  /**
   * The {@code -conf} value: a JSON object given inline, else the path of a JSON file. Unlike
   * Vert.x's launcher, which runs on defaults when the file is missing or malformed, this stops.
   *
   * @throws ConfigException ({@code -conf}) when the file is missing, unreadable or not a JSON object
   */
  public static JsonObject readConf(String value) {
    if (value == null) {
      return new JsonObject();
    }
    String text = value.strip();
    if (text.startsWith("{")) {
      return parse(text, "the inline -conf JSON");
    }
    Path file = Path.of(value);
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("-conf", "no such file: " + file.toAbsolutePath());
    } catch (IOException e) {
      throw new ConfigException("-conf", "cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
    }
  }

  private static JsonObject parse(String text, String what) {
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("-conf", what + " is not a JSON object: " + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
