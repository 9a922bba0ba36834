package dev.vertdesk.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * One log event as one line of JSON: {@code time} (UTC, milliseconds), {@code level},
 * {@code logger}, {@code thread}, {@code message}, then the event's key-value pairs as top-level
 * fields (domain events put their fields there), {@code mdc} when set and {@code exception} with
 * the stack trace. A key that collides with one of the fixed fields gets a leading underscore.
 */
public final class JsonLines {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
  private static final Set<String> FIXED = Set.of("time", "level", "logger", "thread", "message", "mdc",
      "exception");

  private JsonLines() {
  }

  public static byte[] encode(ILoggingEvent e) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"time\":");
    string(sb, TIME.format(Instant.ofEpochMilli(e.getTimeStamp())));
    sb.append(",\"level\":");
    string(sb, e.getLevel().toString());
    sb.append(",\"logger\":");
    string(sb, e.getLoggerName());
    sb.append(",\"thread\":");
    string(sb, e.getThreadName());
    sb.append(",\"message\":");
    string(sb, e.getFormattedMessage());
    List<KeyValuePair> kvs = e.getKeyValuePairs();
    if (kvs != null) {
      for (KeyValuePair kv : kvs) {
        if (kv == null || kv.key == null) {
          continue;
        }
        sb.append(',');
        string(sb, FIXED.contains(kv.key) ? "_" + kv.key : kv.key);
        sb.append(':');
        value(sb, kv.value);
      }
    }
    Map<String, String> mdc = e.getMDCPropertyMap();
    if (mdc != null && !mdc.isEmpty()) {
      sb.append(",\"mdc\":{");
      boolean first = true;
      for (Map.Entry<String, String> m : mdc.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(sb, m.getKey());
        sb.append(':');
        string(sb, m.getValue());
      }
      sb.append('}');
    }
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null) {
      sb.append(",\"exception\":");
      string(sb, ThrowableProxyUtil.asString(t));
    }
    sb.append("}\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short
        || v instanceof Byte) {
      sb.append(v);
    } else if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
      sb.append(v);
    } else {
      string(sb, v.toString());
    }
  }

  static void string(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
