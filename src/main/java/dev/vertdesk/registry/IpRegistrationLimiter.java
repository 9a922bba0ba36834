package dev.vertdesk.registry;

import dev.vertdesk.config.ServerConfig.Limits;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-source-IP limiter for RegisterPk (hbbs' IP_BLOCKER, docs/protocol.md §5.4.2 step 3): at most
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

  /**
   * One source IP as the admin API shows it (hbbs' {@code ip-blocker}).
   *
   * @param count        registrations counted in the current window
   * @param lastMillis   when the last one was counted
   * @param ids          distinct IDs registered from this IP in the current day
   * @param idsMillis    when the day's ID set last grew or was reset
   */
  public record IpState(String ip, int count, long lastMillis, int ids, long idsMillis) {
  }

  private static IpState view(String ip, Entry e) {
    synchronized (e) {
      return new IpState(ip, e.count, e.last, e.ids.size(), e.idsTime);
    }
  }

  /** Every tracked IP, sorted by address text. */
  public List<IpState> states() {
    List<IpState> out = new ArrayList<>(entries.size());
    entries.forEach((ip, e) -> out.add(view(ip, e)));
    out.sort(Comparator.comparing(IpState::ip));
    return out;
  }

  public Optional<IpState> state(String ip) {
    Entry e = entries.get(ip);
    return e == null ? Optional.empty() : Optional.of(view(ip, e));
  }

  /** Forgets an IP, lifting whatever it was refused for; false if it was not tracked. */
  public boolean remove(String ip) {
    return entries.remove(ip) != null;
  }
}
