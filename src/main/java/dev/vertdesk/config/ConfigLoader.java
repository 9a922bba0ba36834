package dev.vertdesk.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
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

  /** Suffix of a key in the defaults file that holds the defaults of every item of the list beside it. */
  static final String ITEM_SUFFIX = "[]";

  /**
   * The shipped defaults file as it is: every built-in key, {@code null} where the value is
   * derived, and for a list of objects ({@code accounts.oidc}) the defaults of each item under the
   * list's name with {@code []} appended ({@code accounts.oidc[]}).
   */
  static JsonObject schema() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/vertdesk-defaults.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped defaults: every built-in key with its value (the item defaults of lists left out). */
  public static JsonObject defaults() {
    return withoutItemSchemas(schema());
  }

  private static JsonObject withoutItemSchemas(JsonObject node) {
    JsonObject out = new JsonObject();
    for (String key : node.fieldNames()) {
      Object v = node.getValue(key);
      if (!key.endsWith(ITEM_SUFFIX)) {
        out.put(key, v instanceof JsonObject child ? withoutItemSchemas(child) : v);
      }
    }
    return out;
  }

  public static ConfigTree load(JsonObject conf, Map<String, String> environ) {
    return load(conf, environ, CommandLineSettings.NONE);
  }

  public static ConfigTree load(JsonObject conf, Map<String, String> environ, CommandLineSettings commandLine) {
    // a deep copy: lists are filled in and grown below, whatever the caller handed in
    JsonObject tree = defaults().mergeIn(conf == null ? new JsonObject() : conf.copy(), true);
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
    fillItems(tree, schema());
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

  /**
   * Gives every object item of a list the item defaults of the schema ({@code accounts.oidc[]}),
   * so that typed readers find every key, as they do elsewhere. Items that are not objects are
   * left for the key check to name.
   */
  private static void fillItems(JsonObject node, JsonObject schema) {
    for (String key : schema.fieldNames()) {
      Object known = schema.getValue(key);
      Object value = node.getValue(key);
      if (key.endsWith(ITEM_SUFFIX)) {
        continue;
      }
      if (known instanceof JsonObject k && value instanceof JsonObject v) {
        fillItems(v, k);
      } else if (value instanceof JsonArray items && schema.getValue(key + ITEM_SUFFIX) instanceof JsonObject item) {
        for (int i = 0; i < items.size(); i++) {
          if (items.getValue(i) instanceof JsonObject o) {
            items.set(i, item.copy().mergeIn(o, true));
          }
        }
      }
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
        if (node.getValue(key) instanceof JsonArray list) {
          // a list item by its index: VERTDESK_ACCOUNTS__OIDC__0__CLIENT_SECRET
          if (i + 2 > segments.length - 1) {
            throw new ConfigException(path + segments[i + 1], "environment variable " + name
                + " names a list item, not one of its keys (" + ENV_PREFIX + "..." + "__0__NAME), nor the whole list");
          }
          int index = itemIndex(segments[++i], name);
          path.append(index).append('.');
          node = item(list, index);
          continue;
        }
        JsonObject child = node.getValue(key) instanceof JsonObject j ? j : new JsonObject();
        node.put(key, child);
        node = child;
      }
      String key = matchKey(node, segments[segments.length - 1]);
      path.append(key);
      variables.put(path.toString(), name);
      if (node.getValue(key) instanceof JsonArray && value.strip().startsWith("[")) {
        node.put(key, parseList(value, path.toString(), name)); // a whole list as JSON text
      } else {
        put(node, key, value);
      }
    });
  }

  /** Items are numbered from 0; more than a few hundred is a typo, not a configuration. */
  static final int MAX_ITEMS = 100;

  private static int itemIndex(String segment, String variable) {
    try {
      int index = Integer.parseInt(segment);
      if (index >= 0 && index < MAX_ITEMS) {
        return index;
      }
    } catch (NumberFormatException notANumber) {
      // named below
    }
    throw new ConfigException(variable, "environment variable " + variable + ": '" + segment
        + "' is not a list index (0.." + (MAX_ITEMS - 1) + ")");
  }

  /** The object at {@code index}, the list grown with empty objects up to it. */
  private static JsonObject item(JsonArray list, int index) {
    while (list.size() <= index) {
      list.add(new JsonObject());
    }
    if (!(list.getValue(index) instanceof JsonObject)) {
      list.set(index, new JsonObject());
    }
    return list.getJsonObject(index);
  }

  private static JsonArray parseList(String value, String path, String variable) {
    try {
      return new JsonArray(value.strip());
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException(path, "environment variable " + variable + " is not a JSON list: "
          + firstLine(e.getMessage()));
    }
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
