package dev.vertdesk.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The option names rustdesk-server users already have in their environment and {@code .env}
 * (docs/protocol.md §9.1): lookup ignores case and treats {@code -} and {@code _} alike, so
 * {@code RELAY_SERVERS}, {@code relay-servers} and {@code Relay_Servers} are one option.
 */
public final class CompatOptions {

  private final Map<String, String> values = new TreeMap<>();

  /**
   * @param dotEnv  entries of the data directory's {@code .env}: they win, as in hbbs, which
   *                stores them into its environment over what it inherited (docs/protocol.md §9.1)
   * @param environ the process environment
   */
  public CompatOptions(Map<String, String> dotEnv, Map<String, String> environ) {
    // TreeMap iteration is alphabetical, so among variables that normalise alike the
    // alphabetically first wins, as in hbbs.
    putAll(new TreeMap<>(environ));
    putAll(new TreeMap<>(dotEnv));
  }

  private void putAll(Map<String, String> source) {
    Map<String, String> seen = new TreeMap<>();
    source.forEach((k, v) -> seen.putIfAbsent(normalize(k), v));
    values.putAll(seen);
  }

  static String normalize(String name) {
    return name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
  }

  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(normalize(name)));
  }

  /** Parses a {@code .env} file: {@code KEY=value} lines, {@code #} comments, optional quotes. */
  public static Map<String, String> parseDotEnv(String text) {
    Map<String, String> out = new TreeMap<>();
    for (String raw : text.split("\r?\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.charAt(0) == '"' || value.charAt(0) == '\'')
          && value.charAt(value.length() - 1) == value.charAt(0)) {
        value = value.substring(1, value.length() - 1);
      } else {
        int hash = value.indexOf(" #");
        if (hash >= 0) {
          value = value.substring(0, hash).strip();
        }
      }
      out.put(key, value);
    }
    return out;
  }
}
