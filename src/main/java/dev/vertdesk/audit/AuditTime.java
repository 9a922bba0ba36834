package dev.vertdesk.audit;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The times of the audit filters, UTC: {@code YYYY-MM-DD HH:MM:SS.000} as Pro's scripts send
 * {@code created_at} (rustdesk/rustdesk: res/audits.py), also without the fraction, with a
 * {@code T} and a {@code Z}, or a bare date.
 */
public final class AuditTime {

  private AuditTime() {
  }

  /** Epoch milliseconds; {@link IllegalArgumentException} naming the forms when {@code text} is none. */
  public static long parse(String text) {
    String t = text.strip();
    try {
      if (t.length() == 10) {
        return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      if (t.endsWith("Z") || t.endsWith("z")) {
        t = t.substring(0, t.length() - 1);
      }
      return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected a UTC time as YYYY-MM-DD HH:MM:SS.000 or YYYY-MM-DD");
    }
  }
}
