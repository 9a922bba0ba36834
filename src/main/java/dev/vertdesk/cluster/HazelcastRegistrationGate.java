package dev.vertdesk.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import dev.vertdesk.config.ServerConfig.Limits;
import dev.vertdesk.registry.RegistrationGate;
import io.vertx.core.Future;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The RegisterPk limiters of docs/protocol.md §5.4.2 counted cluster-wide, so a device or an IP that
 * spreads its attempts over several nodes meets the same limits as on one. Each count is an
 * entry processor on the key's partition owner: atomic without locks, one round trip.
 */
final class HazelcastRegistrationGate implements RegistrationGate {

  static final long DAY_MILLIS = 86_400_000L;

  private final Clustering cluster;
  private final IMap<String, Window> windows;
  private final Limits limits;

  HazelcastRegistrationGate(Clustering cluster, IMap<String, Window> windows, Limits limits) {
    this.cluster = cluster;
    this.windows = windows;
    this.limits = limits;
  }

  @Override
  public Future<Boolean> allow(String ip, String id, long now) {
    Future<Boolean> byIp = cluster.op(windows.submitToKey("ip:" + ip, new IpRule(limits, id, now)));
    Future<Boolean> byId = cluster.op(windows.submitToKey("id:" + id, new IdRule(limits, now)));
    return Future.all(byIp, byId).map(all -> byIp.result() && byId.result());
  }

  @Override
  public Future<Boolean> lift(String ip) {
    return cluster.op(windows.removeAsync("ip:" + ip)).map(java.util.Objects::nonNull);
  }

  /** Counts within a window; for IPs also the distinct IDs of the day. */
  static final class Window implements Serializable {
    private static final long serialVersionUID = 1L;
    int count;
    long last;
    HashSet<String> ids;
    long idsTime;
  }

  /** {@code ipMaxPerWindow} without a pause of {@code ipWindowSeconds}; {@code idsPerIpPerDay}. */
  static final class IpRule implements EntryProcessor<String, Window, Boolean> {
    private static final long serialVersionUID = 1L;
    private final int windowSeconds;
    private final int maxPerWindow;
    private final int idsPerDay;
    private final String id;
    private final long now;

    IpRule(Limits limits, String id, long now) {
      this.windowSeconds = limits.ipWindowSeconds();
      this.maxPerWindow = limits.ipMaxPerWindow();
      this.idsPerDay = limits.idsPerIpPerDay();
      this.id = id;
      this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, Window> entry) {
      Window w = entry.getValue() != null ? entry.getValue() : new Window();
      if (w.ids == null) {
        w.ids = new HashSet<>();
      }
      if (now - w.last > windowSeconds * 1000L) {
        w.count = 0;
      } else if (w.count >= maxPerWindow) {
        return false;
      }
      if (now - w.idsTime > DAY_MILLIS) {
        w.ids.clear();
      } else if (w.ids.size() >= idsPerDay && !w.ids.contains(id)) {
        return false;
      }
      w.count++;
      w.last = now;
      w.ids.add(id);
      w.idsTime = now;
      // nothing can be refused a day after the last registration: let the entry go
      ((ExtendedMapEntry<String, Window>) entry).setValue(w, DAY_MILLIS, TimeUnit.MILLISECONDS);
      return true;
    }
  }

  /** At most {@code idMaxPerWindow} RegisterPk of one ID within {@code idWindowSeconds}. */
  static final class IdRule implements EntryProcessor<String, Window, Boolean> {
    private static final long serialVersionUID = 1L;
    private final int windowSeconds;
    private final int maxPerWindow;
    private final long now;

    IdRule(Limits limits, long now) {
      this.windowSeconds = limits.idWindowSeconds();
      this.maxPerWindow = limits.idMaxPerWindow();
      this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, Window> entry) {
      Window w = entry.getValue() != null ? entry.getValue() : new Window();
      if (now - w.last > windowSeconds * 1000L) {
        w.count = 0;
      } else if (w.count >= maxPerWindow) {
        return false;
      }
      w.count++;
      w.last = now;
      ((ExtendedMapEntry<String, Window>) entry).setValue(w, windowSeconds * 1000L, TimeUnit.MILLISECONDS);
      return true;
    }
  }
}
