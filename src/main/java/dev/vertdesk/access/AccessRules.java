package dev.vertdesk.access;

import dev.vertdesk.accounts.User;
import dev.vertdesk.db.CoalescedReads;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.AssignmentChanges;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the access rules between user groups and device groups, and of what it
 * needed to know of the devices controllers asked for (owner, owner's group, device group), so
 * that a punch or relay request is decided in memory. The rules are read at start, again when an
 * admin's change is announced ({@link Addresses#ASSIGNMENTS_CHANGED}, cluster-wide) and every
 * {@code devices.disabledRefreshSeconds}; a device's facts are read at its first request and kept
 * until an announcement concerns it, a user changes groups ({@link Addresses#ACCOUNTS_INVALIDATE})
 * or they are that old. Safe from any thread.
 *
 * <p>The rules (docs/protocol.md §15): admins, a device's owner and users of the owner's user
 * group always pass. A user group with allowed outgoings lets its users reach only the devices
 * those name (by the owner's user group, the device group or the owner). A device whose device
 * group or owner's user group has allowed incomings admits only the users those name (by user
 * group or user). Without any rule nothing is checked.
 */
public final class AccessRules {

  private static final Logger LOG = LoggerFactory.getLogger(AccessRules.class);
  static final int USER_GROUP = 0;
  static final int DEVICE_GROUP = 1;
  static final int USER = 2;
  /** Devices whose facts one node keeps; the least recently asked for go first. */
  static final int MAX_DEVICES = 50_000;

  /** What a decision comes to. */
  public enum Decision { ALLOWED, OUTGOING, INCOMING }

  /** A rule's target: a user group, device group or user, by guid. */
  record Target(int type, String guid) {
  }

  /** The incomings and outgoings of one group. */
  record Rules(Set<Target> in, Set<Target> out) {
  }

  /** What a decision needs of a device (guids, {@code null} for none), and when it was read. */
  record Device(String owner, String ownerGroup, String deviceGroup, long readAt) {
  }

  private final Vertx vertx;
  private final Database db;
  private final LongSupplier clock;
  private final long maxAgeMillis;
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private volatile Map<String, Rules> rules = Map.of();
  private final Map<String, Device> devices = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Device> eldest) {
      return size() > MAX_DEVICES;
    }
  };
  private final CoalescedReads reads = new CoalescedReads(this::read,
      e -> warnings.warn("access-read", "access rules not read: {}", e.toString()));
  private MessageConsumer<JsonObject> assignments;
  private MessageConsumer<JsonObject> accounts;
  private long timer = -1;

  private AccessRules(Vertx vertx, Database db, long maxAgeMillis, LongSupplier clock) {
    this.vertx = vertx;
    this.db = db;
    this.maxAgeMillis = maxAgeMillis;
    this.clock = clock;
  }

  /** Listens to the announcements, then reads the rules; fails if that read fails. */
  public static Future<AccessRules> start(Vertx vertx, Database db, int refreshSeconds) {
    long refresh = TimeUnit.SECONDS.toMillis(refreshSeconds);
    AccessRules r = new AccessRules(vertx, db, refresh, System::currentTimeMillis);
    r.assignments = vertx.eventBus().consumer(Addresses.ASSIGNMENTS_CHANGED, m -> r.changed(m.body()));
    r.accounts = vertx.eventBus().consumer(Addresses.ACCOUNTS_INVALIDATE, m -> {
      if (m.body() != null && m.body().getValue("user") != null) {
        r.forgetDevices(); // the user may have changed groups: owners' groups are read again
      }
    });
    return Future.all(r.assignments.completion(), r.accounts.completion()).compose(v -> r.reload()).map(v -> {
      r.timer = vertx.setPeriodic(refresh, t -> r.reload());
      return r;
    });
  }

  private void changed(JsonObject body) {
    List<String> ids = AssignmentChanges.ids(body);
    if (ids == null) {
      forgetDevices();
      reload();
    } else {
      synchronized (devices) {
        ids.forEach(devices::remove);
      }
    }
  }

  private void forgetDevices() {
    synchronized (devices) {
      devices.clear();
    }
  }

  /** Whether any rule exists: without one, nothing needs checking. */
  public boolean any() {
    return !rules.isEmpty();
  }

  /** Whether {@code controller} may connect to device {@code id}; fails when the device cannot be read. */
  public Future<Decision> decide(User controller, String id) {
    Map<String, Rules> now = rules;
    if (now.isEmpty() || controller.admin()) {
      return Future.succeededFuture(Decision.ALLOWED);
    }
    return device(id).map(d -> decide(now, controller, d));
  }

  static Decision decide(Map<String, Rules> rules, User u, Device d) {
    String group = u.groupGuid();
    if (u.admin() || u.guid().equals(d.owner()) || (group != null && group.equals(d.ownerGroup()))) {
      return Decision.ALLOWED;
    }
    Rules mine = group == null ? null : rules.get(group);
    if (mine != null && !mine.out().isEmpty()
        && !(has(mine.out(), USER_GROUP, d.ownerGroup()) || has(mine.out(), DEVICE_GROUP, d.deviceGroup())
        || has(mine.out(), USER, d.owner()))) {
      return Decision.OUTGOING;
    }
    Set<Target> in = new HashSet<>();
    for (String g : new String[] {d.deviceGroup(), d.ownerGroup()}) {
      Rules r = g == null ? null : rules.get(g);
      if (r != null) {
        in.addAll(r.in());
      }
    }
    if (!in.isEmpty() && !(has(in, USER_GROUP, group) || has(in, USER, u.guid()))) {
      return Decision.INCOMING;
    }
    return Decision.ALLOWED;
  }

  private static boolean has(Set<Target> targets, int type, String guid) {
    return guid != null && targets.contains(new Target(type, guid));
  }

  private Future<Device> device(String id) {
    long now = clock.getAsLong();
    Device d;
    synchronized (devices) {
      d = devices.get(id);
    }
    if (d != null && now - d.readAt() < maxAgeMillis) {
      return Future.succeededFuture(d);
    }
    return db.first("select d.user_guid, u.group_guid, d.device_group_guid from devices d"
            + " left join users u on u.guid = d.user_guid where d.id = ?",
        r -> new Device(r.getString("user_guid"), r.getString("group_guid"), r.getString("device_group_guid"), now), id)
        .map(read -> {
          Device fresh = read == null ? new Device(null, null, null, now) : read;
          synchronized (devices) {
            devices.put(id, fresh);
          }
          return fresh;
        });
  }

  /** Reads the rules again; requests during a read share one more read after it. */
  Future<Void> reload() {
    return reads.request();
  }

  private Future<Void> read() {
    return db.list("select group_guid, direction, target_type, target_guid from access_rules", r -> r).map(rows -> {
      Map<String, Rules> m = new HashMap<>();
      rows.forEach(r -> {
        Rules g = m.computeIfAbsent(r.getString("group_guid"), k -> new Rules(new HashSet<>(), new HashSet<>()));
        Target t = new Target((int) Database.number(r, "target_type"), r.getString("target_guid"));
        ("out".equals(r.getString("direction")) ? g.out() : g.in()).add(t);
      });
      rules = m;
      return null;
    });
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (assignments != null) {
      assignments.unregister();
    }
    if (accounts != null) {
      accounts.unregister();
    }
  }
}
