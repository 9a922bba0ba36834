package dev.vertdesk.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses keys nobody reads. The shipped defaults name every built-in key, so a key of the
 * effective tree that is not among them is a typo (or a key of another version): the start
 * stops, naming it and the closest known key. Plugin blocks under {@code verticles} are checked
 * down to {@code enabled}, {@code instances} and {@code config}; what is inside {@code config} is
 * the plugin's to check. A list of objects ({@code accounts.oidc}) has its item keys in the
 * defaults under the list's name with {@code []} appended; each item is checked against them.
 */
final class ConfigSchema {

  static final Set<String> DEPLOYMENT_KEYS = Set.of("enabled", "instances", "config");

  private final JsonObject schema;
  private final ConfigTree tree;
  private final List<String> allPaths = new ArrayList<>();

  ConfigSchema(JsonObject schema, ConfigTree tree) {
    this.schema = schema;
    this.tree = tree;
    collect(schema, "", allPaths);
  }

  private static void collect(JsonObject node, String prefix, List<String> out) {
    for (String key : node.fieldNames()) {
      if (key.endsWith(ConfigLoader.ITEM_SUFFIX)) {
        // an item's keys, named as an item of the list: accounts.oidc.0.clientId
        String list = key.substring(0, key.length() - ConfigLoader.ITEM_SUFFIX.length());
        collect(node.getJsonObject(key), prefix + list + ".0.", out);
        continue;
      }
      out.add(prefix + key);
      if (node.getValue(key) instanceof JsonObject child) {
        collect(child, prefix + key + ".", out);
      }
    }
  }

  void check() {
    check(tree.tree(), schema, "");
  }

  private void check(JsonObject node, JsonObject known, String prefix) {
    for (String key : node.fieldNames()) {
      String path = prefix + key;
      if (!known.containsKey(key) || key.endsWith(ConfigLoader.ITEM_SUFFIX)) {
        if (prefix.equals("verticles.")) {
          checkPluginBlock(node.getValue(key), path);
          continue;
        }
        throw unknown(path, settable(known));
      }
      Object value = node.getValue(key);
      if (value instanceof JsonObject child && known.getValue(key) instanceof JsonObject k) {
        check(child, k, path + ".");
      } else if (known.getValue(key + ConfigLoader.ITEM_SUFFIX) instanceof JsonObject item) {
        checkItems(value, item, path);
      }
    }
  }

  /** A list of objects: each item is checked against the item keys ({@code accounts.oidc.0.name}). */
  private void checkItems(Object value, JsonObject item, String path) {
    if (!(value instanceof JsonArray items)) {
      throw new ConfigException(path, "expected a list of objects with the keys "
          + String.join(", ", new java.util.TreeSet<>(item.fieldNames())));
    }
    for (int i = 0; i < items.size(); i++) {
      if (!(items.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(path + "." + i, "expected an object");
      }
      check(o, item, path + "." + i + ".");
    }
  }

  /** The keys a configuration may set at this level (item defaults are not among them). */
  private static Set<String> settable(JsonObject known) {
    Set<String> keys = new java.util.LinkedHashSet<>();
    for (String key : known.fieldNames()) {
      if (!key.endsWith(ConfigLoader.ITEM_SUFFIX)) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** A block for a verticle that is not built in: a plugin's, checked by name once plugins load. */
  private void checkPluginBlock(Object block, String path) {
    if (!(block instanceof JsonObject b)) {
      throw new ConfigException(path, "expected an object with enabled, instances and config");
    }
    for (String key : b.fieldNames()) {
      if (!DEPLOYMENT_KEYS.contains(key)) {
        throw unknown(path + "." + key, DEPLOYMENT_KEYS);
      }
    }
  }

  private ConfigException unknown(String path, Set<String> siblings) {
    int dot = path.lastIndexOf('.');
    String parent = dot < 0 ? "" : path.substring(0, dot + 1);
    String leaf = path.substring(dot + 1);
    Optional<String> suggestion = Spelling.closest(leaf, siblings).map(s -> parent + s);
    if (suggestion.isEmpty()) {
      // the right key in the wrong place ("ipMaxPerWindow" at the top instead of under limits)
      suggestion = allPaths.stream().filter(p -> p.substring(p.lastIndexOf('.') + 1).equalsIgnoreCase(leaf)).findFirst();
    }
    String variable = tree.variables().get(path);
    if (variable != null) {
      return new ConfigException(path, "environment variable " + variable + " names no configuration key"
          + suggestion.map(s -> "; did you mean " + ConfigLoader.variableFor(s) + " ('" + s + "')?").orElse(""));
    }
    return new ConfigException(path, "unknown key" + suggestion.map(s -> "; did you mean '" + s + "'?")
        .orElse("; known here: " + String.join(", ", new java.util.TreeSet<>(siblings))));
  }
}
