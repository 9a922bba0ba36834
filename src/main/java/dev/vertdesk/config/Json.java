package dev.vertdesk.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Typed reads from a config tree that accept what environment variables produce (strings) as
 * well as JSON types, and fail with the key's full name.
 */
final class Json {

  private Json() {
  }

  static int integer(JsonObject o, String prefix, String key, int def, int min, int max) {
    Object v = o.getValue(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      return def;
    }
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().trim());
      if (v instanceof Number num && num.doubleValue() != n) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(prefix + key, "not an integer: " + v);
    }
    if (n < min || n > max) {
      throw new ConfigException(prefix + key, n + " is outside " + min + ".." + max);
    }
    return (int) n;
  }

  static double decimal(JsonObject o, String prefix, String key, double def) {
    Object v = o.getValue(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      return def;
    }
    try {
      return v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(prefix + key, "not a number: " + v);
    }
  }

  static boolean bool(JsonObject o, String prefix, String key, boolean def) {
    Object v = o.getValue(key);
    if (v == null || (v instanceof String s && s.isBlank())) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
      case "y", "yes", "true", "1", "on" -> {
        return true;
      }
      case "n", "no", "false", "0", "off" -> {
        return false;
      }
      default -> throw new ConfigException(prefix + key, "not a boolean (Y/N, true/false): " + v);
    }
  }

  static String string(JsonObject o, String prefix, String key, String def) {
    Object v = o.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof JsonObject || v instanceof JsonArray) {
      throw new ConfigException(prefix + key, "expected a string");
    }
    return v.toString().trim();
  }

  /** A list given as a JSON array or as a comma-separated string; empty items dropped. */
  static List<String> list(JsonObject o, String prefix, String key) {
    Object v = o.getValue(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof JsonArray a) {
      for (Object item : a) {
        if (item != null && !item.toString().isBlank()) {
          out.add(item.toString().trim());
        }
      }
      return out;
    }
    if (v instanceof JsonObject) {
      throw new ConfigException(prefix + key, "expected a list or a comma-separated string");
    }
    for (String item : v.toString().split(",")) {
      if (!item.isBlank()) {
        out.add(item.trim());
      }
    }
    return out;
  }

  static JsonObject object(JsonObject o, String prefix, String key) {
    Object v = o.getValue(key);
    if (v == null) {
      return new JsonObject();
    }
    if (v instanceof JsonObject j) {
      return j;
    }
    throw new ConfigException(prefix + key, "expected an object");
  }
}
