package dev.vertdesk.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * One object of the configuration tree with typed reads that accept what environment variables
 * produce (strings) as well as JSON types, and fail with the key's full name. Built-in settings
 * read without defaults (the shipped defaults file holds every one); plugins, whose blocks are
 * not in that file, read with defaults of their own.
 */
public final class ConfigBlock {

  private final JsonObject values;
  private final String prefix;

  /** @param path where this block sits in the tree ({@code ""} for the root), for messages */
  public ConfigBlock(JsonObject values, String path) {
    this.values = values == null ? new JsonObject() : values;
    this.prefix = path.isEmpty() ? "" : path + ".";
  }

  /** The raw values of this block. */
  public JsonObject values() {
    return values;
  }

  /** The full name of {@code key} in this block, as messages give it. */
  public String path(String key) {
    return prefix + key;
  }

  public ConfigBlock child(String key) {
    Object v = values.getValue(key);
    if (v == null) {
      return new ConfigBlock(new JsonObject(), path(key));
    }
    if (v instanceof JsonObject j) {
      return new ConfigBlock(j, path(key));
    }
    throw new ConfigException(path(key), "expected an object");
  }

  /**
   * A list of objects ({@code accounts.oidc}), each a block named by its index
   * ({@code accounts.oidc.0}); empty when absent.
   */
  public List<ConfigBlock> blocks(String key) {
    Object v = values.getValue(key);
    List<ConfigBlock> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray a)) {
      throw new ConfigException(path(key), "expected a list of objects");
    }
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(path(key) + "." + i, "expected an object");
      }
      out.add(new ConfigBlock(o, path(key) + "." + i));
    }
    return out;
  }

  private Object required(String key) {
    Object v = values.getValue(key);
    if (v == null) {
      throw new ConfigException(path(key), "must be set");
    }
    return v;
  }

  private static boolean unset(Object v) {
    return v == null || (v instanceof String s && s.isBlank());
  }

  public int integer(String key, int min, int max) {
    return toInt(key, required(key), min, max);
  }

  /** For plugins: {@code def} when the key is absent or blank. */
  public int integer(String key, int def, int min, int max) {
    Object v = values.getValue(key);
    return unset(v) ? def : toInt(key, v, min, max);
  }

  /** Empty when absent ({@code null} in the defaults: a value derived elsewhere). */
  public OptionalInt optionalInteger(String key, int min, int max) {
    Object v = values.getValue(key);
    return unset(v) ? OptionalInt.empty() : OptionalInt.of(toInt(key, v, min, max));
  }

  private int toInt(String key, Object v, int min, int max) {
    long n;
    try {
      n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().trim());
      if (v instanceof Number num && num.doubleValue() != n) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ConfigException(path(key), "not an integer: " + v);
    }
    if (n < min || n > max) {
      throw new ConfigException(path(key), n + " is outside " + min + ".." + max);
    }
    return (int) n;
  }

  /** A finite number. */
  public double decimal(String key) {
    return toDouble(key, required(key));
  }

  public double decimal(String key, double def) {
    Object v = values.getValue(key);
    return unset(v) ? def : toDouble(key, v);
  }

  private double toDouble(String key, Object v) {
    double d;
    try {
      d = v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(path(key), "not a number: " + v);
    }
    if (!Double.isFinite(d)) {
      throw new ConfigException(path(key), "not a finite number: " + v);
    }
    return d;
  }

  public boolean bool(String key) {
    return toBool(key, required(key));
  }

  public boolean bool(String key, boolean def) {
    Object v = values.getValue(key);
    return unset(v) ? def : toBool(key, v);
  }

  private boolean toBool(String key, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return switch (v.toString().trim().toLowerCase(Locale.ROOT)) {
      case "y", "yes", "true", "1", "on" -> true;
      case "n", "no", "false", "0", "off" -> false;
      default -> throw new ConfigException(path(key), "not a boolean (Y/N, true/false): " + v);
    };
  }

  /** Trimmed text; {@code ""} when the value is {@code null}. */
  public String string(String key) {
    return string(key, "");
  }

  public String string(String key, String def) {
    Object v = values.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof JsonObject || v instanceof JsonArray) {
      throw new ConfigException(path(key), "expected a string");
    }
    return v.toString().trim();
  }

  /** A list given as a JSON array or as a comma-separated string; empty items dropped. */
  public List<String> list(String key) {
    Object v = values.getValue(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof JsonArray a) {
      for (Object item : a) {
        if (item instanceof JsonObject || item instanceof JsonArray) {
          throw new ConfigException(path(key), "expected a list of strings");
        }
        if (item != null && !item.toString().isBlank()) {
          out.add(item.toString().trim());
        }
      }
      return out;
    }
    if (v instanceof JsonObject) {
      throw new ConfigException(path(key), "expected a list or a comma-separated string");
    }
    for (String item : v.toString().split(",")) {
      if (!item.isBlank()) {
        out.add(item.trim());
      }
    }
    return out;
  }

  /** For plugins: refuses any key of this block that is not in {@code known}, with a suggestion. */
  public void rejectUnknown(Collection<String> known) {
    for (String key : values.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(path(key), "unknown key" + Spelling.closest(key, known)
            .map(k -> "; did you mean '" + path(k) + "'?").orElse("; known: " + String.join(", ", known)));
      }
    }
  }
}
