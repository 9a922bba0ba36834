package dev.vertdesk.accounts;

import dev.vertdesk.config.AccountsConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How failed logins slow down further attempts. Per account: after {@code failuresBeforeDelay}
 * failures in a row each attempt must wait, 1 s doubling, and at {@code lockoutFailures} the
 * account is locked for {@code lockoutMinutes}; the state of a real account lives in its row (so
 * every node of a cluster applies it), that of an unknown name here, with the same rule, so the
 * answers never tell whether a user exists. Per address: more than {@code ipFailuresPerWindow}
 * failures within {@code ipWindowMinutes} and the address is refused until the window passes.
 * Memory is bounded: the least recently seen entries go first.
 */
final class LoginThrottle {

  static final int MAX_ENTRIES = 50_000;

  private static final class Window {
    long start;
    int failures;
  }

  /** Failure count and locked-until of a name that has no account. */
  private static final class NameState {
    int failures;
    long lockedUntil;
  }

  private final AccountsConfig config;
  private final Map<String, Window> addresses = lru();
  private final Map<String, NameState> unknownNames = lru();

  LoginThrottle(AccountsConfig config) {
    this.config = config;
  }

  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_ENTRIES;
      }
    };
  }

  /** Milliseconds until {@code ip} may try again; 0 when it may now. */
  synchronized long addressWait(String ip, long now) {
    Window w = addresses.get(ip);
    long windowMillis = config.ipWindowMinutes() * 60_000L;
    if (w == null || now - w.start >= windowMillis || w.failures < config.ipFailuresPerWindow()) {
      return 0;
    }
    return w.start + windowMillis - now;
  }

  synchronized void addressFailed(String ip, long now) {
    Window w = addresses.computeIfAbsent(ip, k -> new Window());
    if (now - w.start >= config.ipWindowMinutes() * 60_000L) {
      w.start = now;
      w.failures = 0;
    }
    w.failures++;
  }

  /** When an account (or name) with {@code failures} in a row may try again, from {@code now}. */
  long lockedUntil(int failures, long now) {
    if (failures >= config.lockoutFailures()) {
      return now + config.lockoutMinutes() * 60_000L;
    }
    if (failures < config.failuresBeforeDelay()) {
      return 0;
    }
    long delay = 1000L << Math.min(20, failures - config.failuresBeforeDelay());
    return now + Math.min(delay, config.lockoutMinutes() * 60_000L);
  }

  synchronized long unknownNameLockedUntil(String nameKey) {
    NameState s = unknownNames.get(nameKey);
    return s == null ? 0 : s.lockedUntil;
  }

  synchronized void unknownNameFailed(String nameKey, long now) {
    NameState s = unknownNames.computeIfAbsent(nameKey, k -> new NameState());
    s.failures++;
    s.lockedUntil = lockedUntil(s.failures, now);
  }
}
