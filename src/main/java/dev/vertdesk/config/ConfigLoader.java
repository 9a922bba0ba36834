package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the effective configuration tree. Layers, later ones winning:
 * built-in defaults, the {@code -conf} JSON, rustdesk-server option names from the data
 * directory's {@code .env}, the same names from the environment, then {@code VERTDESK_*}
 * variables ({@code __} separates path segments: {@code VERTDESK_VERTICLES__UDP__ENABLED=false}).
 * Reads files, so callers run it on a worker thread.
 */
public final class ConfigLoader {

  public static final String ENV_PREFIX = "VERTDESK_";

  /** rustdesk-server option name → path in our tree (PROTOCOL.md §9.2, §9.3). */
  private static final Map<String, String> COMPAT = Map.ofEntries(
      Map.entry("PORT", "port"),
      Map.entry("BIND", "bind"),
      Map.entry("KEY", "key"),
      Map.entry("RELAY_SERVERS", "relayServers"),
      Map.entry("ALWAYS_USE_RELAY", "alwaysUseRelay"),
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
   * hbbr's limits (§7.4), where hbbr keeps its default for a value that is not positive; under
   * our own keys such a value means "unlimited", so under hbbr's names it is not passed on.
   */
  private static final java.util.Set<String> HBBR_LIMITS = java.util.Set.of(
      "TOTAL_BANDWIDTH", "SINGLE_BANDWIDTH", "LIMIT_SPEED", "DOWNGRADE_THRESHOLD", "DOWNGRADE_START_CHECK");

  private ConfigLoader() {
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/vertdesk-defaults.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonObject load(JsonObject conf, Map<String, String> environ) {
    JsonObject tree = defaults().mergeIn(conf == null ? new JsonObject() : conf, true);
    applyPrefixed(tree, environ); // first pass: VERTDESK_DATA_DIR may move the .env
    Path dataDir = Path.of(tree.getString("dataDir", "."));
    Map<String, String> dotEnv = readDotEnv(dataDir.resolve(".env"));
    CompatOptions compat = new CompatOptions(dotEnv, environ);
    COMPAT.forEach((name, path) -> compat.get(name)
        .filter(v -> !(HBBR_LIMITS.contains(name) && notPositive(v)))
        .ifPresent(v -> put(tree, path, v)));
    applyPrefixed(tree, environ);
    return tree;
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

  private static void applyPrefixed(JsonObject tree, Map<String, String> environ) {
    new TreeMap<>(environ).forEach((name, value) -> {
      if (name.toUpperCase(Locale.ROOT).startsWith(ENV_PREFIX)) {
        String[] segments = name.substring(ENV_PREFIX.length()).split("__");
        JsonObject node = tree;
        for (int i = 0; i < segments.length - 1; i++) {
          String key = matchKey(node, segments[i]);
          JsonObject child = node.getValue(key) instanceof JsonObject j ? j : new JsonObject();
          node.put(key, child);
          node = child;
        }
        node.put(matchKey(node, segments[segments.length - 1]), value);
      }
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
    node.put(parts[parts.length - 1], value);
  }
}
