package dev.vertdesk.registry;

import dev.vertdesk.config.ServerConfig.Limits;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-source-IP limiter for RegisterPk (hbbs' IP_BLOCKER, PROTOCOL.md §5.4.2 step 3): at most
 * {@code ipMaxPerWindow} registrations without a pause of {@code ipWindowSeconds}, and at most
 * {@code idsPerIpPerDay} distinct IDs per IP per day. Unlike hbbs, stale entries are pruned, so
 * spoofed sources cannot grow it forever.
 */
public final class IpRegistrationLimiter {

  private static final long DAY_MILLIS = 86_400_000L;

  private static final class Entry {
    int count;
    long last;
    final Set<String> ids = new HashSet<>();
    long idsTime;
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Limits limits;

  public IpRegistrationLimiter(Limits limits) {
    this.limits = limits;
  }

  /** Counts one RegisterPk of {@code id} from {@code ip}; false when it must be refused. */
  public boolean allow(String ip, String id, long now) {
    Entry e = entries.computeIfAbsent(ip, k -> new Entry());
    synchronized (e) {
      if (now - e.last > limits.ipWindowSeconds() * 1000L) {
        e.count = 0;
      } else if (e.count >= limits.ipMaxPerWindow()) {
        return false;
      }
      if (now - e.idsTime > DAY_MILLIS) {
        e.ids.clear();
      } else if (e.ids.size() >= limits.idsPerIpPerDay() && !e.ids.contains(id)) {
        return false;
      }
      e.count++;
      e.last = now;
      e.ids.add(id);
      e.idsTime = now;
      return true;
    }
  }

  /** Drops entries that can no longer refuse anything. */
  public void prune(long now) {
    entries.values().removeIf(e -> {
      synchronized (e) {
        return now - e.last > limits.ipWindowSeconds() * 1000L && now - e.idsTime > DAY_MILLIS;
      }
    });
  }

  public int size() {
    return entries.size();
  }
}
