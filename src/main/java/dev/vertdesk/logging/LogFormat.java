package dev.vertdesk.logging;

import dev.vertdesk.config.ConfigException;
import java.util.Locale;

/**
 * The log format of the whole process: {@code text} (human-readable lines, the default) or
 * {@code json} (one JSON object per line, for SIEM and syslog pipelines). Read once from the
 * {@code VERTDESK_LOG_FORMAT} variable (or the {@code vertdesk.log.format} system property) so
 * that the first line is already in the right format, then from the configuration key
 * {@code logFormat} once the configuration is read.
 */
public final class LogFormat {

  public static final String ENV = "VERTDESK_LOG_FORMAT";
  public static final String PROPERTY = "vertdesk.log.format";

  private static volatile boolean json = initial();

  private LogFormat() {
  }

  /** True while logs are written as JSON lines. */
  public static boolean json() {
    return json;
  }

  /** Switches the format: the configuration's {@code logFormat}, once it is read. */
  public static void use(boolean jsonLines) {
    json = jsonLines;
  }

  static boolean parse(String key, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "json" -> true;
      case "text" -> false;
      default -> throw new ConfigException(key, "expected text or json, got " + value);
    };
  }

  private static boolean initial() {
    String v = System.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      v = System.getenv(ENV);
    }
    if (v == null || v.isBlank()) {
      return false;
    }
    try {
      return parse(ENV, v);
    } catch (ConfigException e) {
      System.err.println(e.getMessage() + "; logging as text");
      return false;
    }
  }
}
