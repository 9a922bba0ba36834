package dev.vertdesk.db;

import java.util.Locale;

/**
 * A list filter as Pro's admin scripts send it: SQL {@code LIKE} where {@code %} is the only
 * wildcard (they wrap a value in {@code %...%}); everything else matches itself, {@code _} and
 * {@code \} included. The pattern is bound as a parameter, never spliced into SQL, and compared
 * with a lower-cased key column ({@code name_key}), so the match ignores case the same way on
 * SQLite and PostgreSQL. Use it as {@code name_key like ? escape '\'}.
 */
public final class Like {

  /** The escape character the statements declare with {@code escape '\'}. */
  public static final char ESCAPE = '\\';

  private Like() {
  }

  /** The bound pattern for a filter value, lower-cased as the key columns are. */
  public static String pattern(String filter) {
    StringBuilder b = new StringBuilder(filter.length() + 8);
    for (char c : filter.strip().toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_' || c == ESCAPE) {
        b.append(ESCAPE);
      }
      b.append(c);
    }
    return b.toString();
  }
}
