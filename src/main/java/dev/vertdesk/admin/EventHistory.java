package dev.vertdesk.admin;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventTypes;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * What this node has seen of the domain events of the whole cluster (clustered consumers, so
 * every member's events): the latest events, the punch-request log (hbbs' {@code pr}) and the IDs
 * that moved between IPs (hbbs' {@code ic}). Also fans events out to live subscribers (the
 * event stream). Bounded in memory; safe to read from any thread.
 */
public final class EventHistory {

  public static final int RECENT_CAPACITY = 1000;
  public static final int PUNCH_CAPACITY = 10_000;
  /** hbbs keeps an ID in its IP-change list for this long after its first address. */
  public static final long IP_CHANGE_WINDOW_MILLIS = 360_000;
  static final int IP_CHANGE_CAPACITY = 100_000;

  /** One ID's addresses within the window. */
  private static final class IpChange {
    final long firstMillis;
    final LinkedHashMap<String, Integer> ips = new LinkedHashMap<>();

    IpChange(long firstMillis) {
      this.firstMillis = firstMillis;
    }
  }

  private final LongSupplier clock;
  private final ArrayDeque<JsonObject> recent = new ArrayDeque<>();
  private final ArrayDeque<JsonObject> punches = new ArrayDeque<>();
  private final LinkedHashMap<String, IpChange> ipChanges = new LinkedHashMap<>();
  private final List<Consumer<JsonObject>> subscribers = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public EventHistory(LongSupplier clock) {
    this.clock = clock;
  }

  public EventHistory start(Vertx vertx) {
    for (String address : EventTypes.addresses()) {
      consumers.add(vertx.eventBus().<JsonObject>consumer(address, m -> accept(address, m.body())));
    }
    return this;
  }

  public void close() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
    subscribers.clear();
  }

  void accept(String address, JsonObject event) {
    if (event == null) {
      return;
    }
    if (!event.containsKey("type")) {
      event = event.copy().put("type", EventTypes.type(address));
    }
    synchronized (this) {
      add(recent, event, RECENT_CAPACITY);
      if (address.equals(Addresses.PUNCH_REQUESTED)) {
        add(punches, event, PUNCH_CAPACITY);
      } else if (address.equals(Addresses.PEER_REGISTERED) && event.getString("id") != null
          && event.getString("ip") != null) {
        ipSeen(event.getString("id"), event.getString("previousIp"), event.getString("ip"),
            event.getLong("ts", clock.getAsLong()));
      }
    }
    for (Consumer<JsonObject> s : subscribers) {
      s.accept(event);
    }
  }

  private static void add(ArrayDeque<JsonObject> q, JsonObject e, int capacity) {
    if (q.size() >= capacity) {
      q.pollFirst();
    }
    q.addLast(e);
  }

  /**
   * Tracks IDs whose address changed: only those, so that the list costs nothing per device that
   * stays put (a node holds a million of them). A tracked ID's later registrations add to it.
   */
  private void ipSeen(String id, String previousIp, String ip, long ts) {
    long now = clock.getAsLong();
    IpChange c = ipChanges.get(id);
    if (c != null && now - c.firstMillis > IP_CHANGE_WINDOW_MILLIS) {
      ipChanges.remove(id);
      c = null;
    }
    if (c == null) {
      if (previousIp == null) {
        return;
      }
      c = new IpChange(Math.min(ts, now));
      c.ips.put(previousIp, 1);
      ipChanges.put(id, c);
    }
    c.ips.merge(ip, 1, Integer::sum);
    pruneIpChanges(now);
  }

  /**
   * Entries are in insertion order, which is the order of their window starts: drop expired ones
   * from the head, then the oldest beyond capacity. Amortised O(1) per registration, so a
   * registration storm never walks the whole map.
   */
  private void pruneIpChanges(long now) {
    Iterator<IpChange> oldest = ipChanges.values().iterator();
    while (oldest.hasNext()) {
      IpChange c = oldest.next();
      if (ipChanges.size() > IP_CHANGE_CAPACITY || now - c.firstMillis > IP_CHANGE_WINDOW_MILLIS) {
        oldest.remove();
      } else {
        break;
      }
    }
  }

  /** Subscribes to every event from now on; the returned handle unsubscribes. */
  public Runnable subscribe(Consumer<JsonObject> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  /** The newest {@code limit} events that pass {@code filter}, oldest first. */
  public synchronized List<JsonObject> recent(Predicate<JsonObject> filter, int limit) {
    ArrayDeque<JsonObject> out = new ArrayDeque<>();
    Iterator<JsonObject> it = recent.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      JsonObject e = it.next();
      if (filter.test(e)) {
        out.addFirst(e);
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * Punch requests, newest first (as hbbs prints them): {@code limit} entries from offset
   * {@code start}; {@code total} is the count kept.
   */
  public synchronized JsonObject punchRequests(int start, int limit) {
    JsonArray list = new JsonArray();
    Iterator<JsonObject> it = punches.descendingIterator();
    int i = 0;
    while (it.hasNext() && list.size() < limit) {
      JsonObject e = it.next();
      if (i++ >= start) {
        JsonObject entry = new JsonObject().put("ts", e.getLong("ts")).put("from", e.getString("from"))
            .put("id", e.getString("id"));
        if (e.getString("to") != null) {
          entry.put("to", e.getString("to"));
        }
        list.add(entry.put("outcome", e.getString("outcome")).put("node", e.getString("node")));
      }
    }
    return new JsonObject().put("total", punches.size()).put("requests", list);
  }

  public synchronized int clearPunchRequests() {
    int n = punches.size();
    punches.clear();
    return n;
  }

  /**
   * IDs seen with more than one IP within {@link #IP_CHANGE_WINDOW_MILLIS}: all of them from
   * {@code start} (at most {@code limit}), or only {@code id}.
   */
  public synchronized JsonObject ipChanges(String id, int start, int limit) {
    long now = clock.getAsLong();
    pruneIpChanges(now);
    JsonArray list = new JsonArray();
    int total = 0;
    for (Map.Entry<String, IpChange> e : ipChanges.entrySet()) {
      IpChange c = e.getValue();
      if (c.ips.size() < 2 || (id != null && !id.equals(e.getKey()))) {
        continue;
      }
      if (total++ >= start && list.size() < limit) {
        JsonObject ips = new JsonObject();
        c.ips.forEach(ips::put);
        list.add(new JsonObject().put("id", e.getKey()).put("ageSeconds", (now - c.firstMillis) / 1000)
            .put("ips", ips));
      }
    }
    return new JsonObject().put("total", total).put("changes", list);
  }

  /** Forgets {@code id}'s addresses, or every ID's when {@code id} is null. */
  public synchronized int clearIpChanges(String id) {
    if (id == null) {
      int n = ipChanges.size();
      ipChanges.clear();
      return n;
    }
    return ipChanges.remove(id) == null ? 0 : 1;
  }
}
