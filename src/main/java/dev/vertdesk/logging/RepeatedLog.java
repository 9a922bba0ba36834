package dev.vertdesk.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Logs an error that repeats (a full disk failing every write, a flood of refused connections)
 * once, then at most once per interval with how many times it happened meanwhile, instead of a
 * line per occurrence. Occurrences are grouped by a caller-chosen key (the kind of error, never a
 * client-supplied value, so an attacker cannot grow the table); the table keeps the most recent
 * {@value #MAX_KEYS} keys. Thread-safe.
 */
public final class RepeatedLog {

  static final int MAX_KEYS = 256;

  private static final class Seen {
    long lastLoggedMillis;
    long suppressed;
  }

  private final Logger log;
  private final long intervalMillis;
  private final LongSupplier clock;
  private final Map<String, Seen> seen = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
      return size() > MAX_KEYS;
    }
  };

  public RepeatedLog(Logger log, long intervalMillis) {
    this(log, intervalMillis, System::currentTimeMillis);
  }

  RepeatedLog(Logger log, long intervalMillis, LongSupplier clock) {
    this.log = log;
    this.intervalMillis = intervalMillis;
    this.clock = clock;
  }

  public void warn(String key, String message, Object... args) {
    report(Level.WARN, key, message, args);
  }

  public void error(String key, String message, Object... args) {
    report(Level.ERROR, key, message, args);
  }

  public void info(String key, String message, Object... args) {
    report(Level.INFO, key, message, args);
  }

  /**
   * @return whether this occurrence was logged (the first of its key, or the first after an
   *     interval); the others are only counted
   */
  private boolean report(Level level, String key, String message, Object... args) {
    long now = clock.getAsLong();
    long suppressed;
    synchronized (seen) {
      Seen s = seen.get(key);
      if (s != null && now - s.lastLoggedMillis < intervalMillis) {
        s.suppressed++;
        return false;
      }
      if (s == null) {
        s = new Seen();
        seen.put(key, s);
      }
      suppressed = s.suppressed;
      s.suppressed = 0;
      s.lastLoggedMillis = now;
    }
    String line = suppressed == 0 ? message
        : message + " (" + suppressed + " more like it in the last " + Math.max(1, intervalMillis / 1000) + " s)";
    log.atLevel(level).log(line, args);
    return true;
  }
}
