package dev.vertdesk.audit;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * RFC 4180 lines of listing items. A text cell that a spreadsheet would run as a formula
 * ({@code = + - @}, tab, carriage return first) gets a leading {@code '}: the records carry what
 * devices and strangers typed.
 */
public final class Csv {

  private Csv() {
  }

  public static String header(List<String> columns) {
    return String.join(",", columns) + "\r\n";
  }

  public static String row(List<String> columns, JsonObject item) {
    StringBuilder b = new StringBuilder(128);
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      Object v = item.getValue(columns.get(i));
      if (v instanceof String s) {
        cell(b, s);
      } else if (v != null) {
        b.append(v);
      }
    }
    return b.append("\r\n").toString();
  }

  private static void cell(StringBuilder b, String s) {
    String v = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      b.append(v);
      return;
    }
    b.append('"').append(v.replace("\"", "\"\"")).append('"');
  }
}
