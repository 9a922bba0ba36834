package dev.vertdesk.devices;

import dev.vertdesk.accounts.User;
import dev.vertdesk.db.Database;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code devices} table: what sysinfo reports, what an admin assigned, deployment, and the
 * last-seen times the heartbeats write behind. The SQL runs on SQLite and PostgreSQL alike.
 */
final class DeviceInventory {

  /**
   * What a heartbeat needs of a device's row: besides its state, what it is assigned (guids or
   * null), from which its strategy is resolved.
   */
  record Inventoried(String uuid, boolean enabled, long sysinfoAt, long lastSeenAt, String strategyGuid,
                     String userGuid, String deviceGroupGuid) {
  }

  /** A last-seen time and connection list (a JSON array text) to write for a device. */
  record Seen(String id, long lastSeen, String conns) {
  }

  /** One page of the device list and how many devices match in all. */
  record Page(long total, List<DeviceRow> rows) {
  }

  /** The columns an assignment may set; the map's values are SQL column names. */
  enum Column {
    USER("user_guid"), DEVICE_GROUP("device_group_guid"), NOTE("note"), DEVICE_NAME("device_name"),
    DEVICE_USERNAME("device_username"), STRATEGY("strategy_guid");

    final String sql;

    Column(String sql) {
      this.sql = sql;
    }
  }

  private final Database db;

  DeviceInventory(Database db) {
    this.db = db;
  }

  Future<Inventoried> find(String id) {
    return db.first("select uuid, enabled, sysinfo_at, last_seen_at, strategy_guid, user_guid, device_group_guid"
            + " from devices where id = ?",
        r -> new Inventoried(r.getString("uuid"), Database.bool(r, "enabled"),
            Database.number(r, "sysinfo_at"), Database.number(r, "last_seen_at"), r.getString("strategy_guid"),
            r.getString("user_guid"), r.getString("device_group_guid")), id);
  }

  /** Creates the device's row or replaces its system information; an admin's settings stay. */
  Future<Void> saveSysinfo(String id, String uuid, Sysinfo s, long now) {
    JsonObject presets = new JsonObject();
    s.presets().forEach(presets::put);
    return db.update("insert into devices (guid, id, uuid, hostname, username, os, cpu, memory, version, presets,"
            + " sysinfo_at, last_seen_at, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " on conflict (id) do update set uuid = excluded.uuid, hostname = excluded.hostname,"
            + " username = excluded.username, os = excluded.os, cpu = excluded.cpu, memory = excluded.memory,"
            + " version = excluded.version, presets = excluded.presets, sysinfo_at = excluded.sysinfo_at,"
            + " last_seen_at = excluded.last_seen_at",
        UUID.randomUUID().toString(), id, uuid, s.hostname(), s.username(), s.os(), s.cpu(), s.memory(), s.version(),
        presets.encode(), now, now, now).mapEmpty();
  }

  /**
   * Writes last-seen times in one transaction; a time older than the stored one (another node
   * saw the device later) is not written.
   */
  Future<Void> writeSeen(List<Seen> rows) {
    List<Object[]> args = new ArrayList<>(rows.size());
    for (Seen s : rows) {
      args.add(new Object[] {s.lastSeen(), s.conns(), s.id(), s.lastSeen()});
    }
    return db.inTransaction(tx -> tx.batch(
        "update devices set last_seen_at = ?, conns = ? where id = ? and last_seen_at <= ?", args));
  }

  Future<List<String>> disabledIds() {
    return db.list("select id from devices where enabled = 0", r -> r.getString("id"));
  }

  Future<Page> page(DeviceQuery q) {
    StringBuilder where = new StringBuilder(" where 1 = 1");
    List<Object> args = new ArrayList<>();
    like(where, args, "d.id", q.id(), false);
    like(where, args, "case when d.device_name <> '' then d.device_name else d.hostname end", q.deviceName(), false);
    like(where, args, "u.name", q.userName(), true);
    like(where, args, "g.name", q.groupName(), true);
    like(where, args, "dg.name", q.deviceGroupName(), true);
    Object[] filter = args.toArray();
    List<Object> pageArgs = new ArrayList<>(args);
    pageArgs.add(q.pageSize());
    pageArgs.add(q.offset());
    return db.first("select count(*) as n" + DeviceRow.JOINED + where, r -> Database.number(r, "n"), filter)
        .compose(total -> db.list("select " + DeviceRow.COLUMNS + DeviceRow.JOINED + where
                + " order by d.id limit ? offset ?", DeviceRow::from, pageArgs.toArray())
            .map(rows -> new Page(total, rows)));
  }

  /**
   * The devices a viewer may see in its client (all when {@code viewer} is null): its own and
   * those of the members of its user group, by ID.
   */
  Future<Page> accessible(String viewer, Integer enabled, dev.vertdesk.db.Page page) {
    StringBuilder where = new StringBuilder(" where 1 = 1");
    List<Object> args = new ArrayList<>();
    if (viewer != null) {
      where.append(" and (d.user_guid = ? or (u.group_guid is not null and u.group_guid ="
          + " (select s.group_guid from users s where s.guid = ?)))");
      args.add(viewer);
      args.add(viewer);
    }
    if (enabled != null) {
      where.append(" and d.enabled = ?");
      args.add(enabled);
    }
    Object[] filter = args.toArray();
    List<Object> pageArgs = new ArrayList<>(args);
    pageArgs.add(page.size());
    pageArgs.add(page.offset());
    return db.first("select count(*) as n" + DeviceRow.JOINED + where, r -> Database.number(r, "n"), filter)
        .compose(total -> db.list("select " + DeviceRow.COLUMNS + DeviceRow.JOINED + where
                + " order by d.id limit ? offset ?", DeviceRow::from, pageArgs.toArray())
            .map(rows -> new Page(total, rows)));
  }

  private static void like(StringBuilder where, List<Object> args, String column, String pattern,
                           boolean noneAllowed) {
    if (pattern == null) {
      return;
    }
    if (noneAllowed && pattern.equals(DeviceQuery.NONE)) {
      where.append(" and ").append(column).append(" is null");
    } else {
      where.append(" and lower(").append(column).append(") like lower(?)");
      args.add(pattern);
    }
  }

  Future<DeviceRow> byGuid(String guid) {
    return db.first("select " + DeviceRow.COLUMNS + DeviceRow.JOINED + " where d.guid = ?", DeviceRow::from, guid);
  }

  Future<DeviceRow> byId(String id) {
    return db.first("select " + DeviceRow.COLUMNS + DeviceRow.JOINED + " where d.id = ?", DeviceRow::from, id);
  }

  Future<Boolean> setEnabled(String guid, boolean enabled) {
    return db.update("update devices set enabled = ? where guid = ?", enabled, guid).map(n -> n > 0);
  }

  Future<Boolean> delete(String guid) {
    return db.update("delete from devices where guid = ?", guid).map(n -> n > 0);
  }

  /** Sets the given columns of one device (values already resolved: guids, texts or null). */
  Future<Void> update(String guid, Map<Column, Object> values) {
    StringBuilder sql = new StringBuilder("update devices set ");
    List<Object> args = new ArrayList<>();
    for (Map.Entry<Column, Object> e : values.entrySet()) {
      if (!args.isEmpty()) {
        sql.append(", ");
      }
      sql.append(e.getKey().sql).append(" = ?");
      args.add(e.getValue());
    }
    args.add(guid);
    return db.update(sql.append(" where guid = ?").toString(), args.toArray()).mapEmpty();
  }

  /** The guid of the user with this name (names are unique whatever their case), or null. */
  Future<String> userGuid(String name) {
    return db.first("select guid from users where name_key = ?", r -> r.getString("guid"), User.nameKey(name));
  }

  Future<String> deviceGroupGuid(String name) {
    return db.first("select guid from device_groups where name_key = ?", r -> r.getString("guid"),
        User.nameKey(name));
  }

  Future<String> strategyGuid(String name) {
    return db.first("select guid from strategies where name_key = ?", r -> r.getString("guid"), User.nameKey(name));
  }

  Future<List<String>> deployedIds() {
    return db.list("select id from devices where deployed = 1", r -> r.getString("id"));
  }

  /** Creates a row for a device known to the rendezvous server that has none yet. */
  Future<Void> insertKnown(String id, String uuid, long now) {
    return db.update("insert into devices (guid, id, uuid, created_at) values (?, ?, ?, ?) on conflict (id) do nothing",
        UUID.randomUUID().toString(), id, uuid, now).mapEmpty();
  }

  /** Records a deployment: the device's row is created if needed and marked deployed. */
  Future<Void> deploy(String id, String uuid, String pk, long now) {
    return db.update("insert into devices (guid, id, uuid, deployed, deployed_at, deployed_pk, created_at)"
            + " values (?, ?, ?, 1, ?, ?, ?) on conflict (id) do update set uuid = excluded.uuid, deployed = 1,"
            + " deployed_at = excluded.deployed_at, deployed_pk = excluded.deployed_pk",
        UUID.randomUUID().toString(), id, uuid, now, pk, now).mapEmpty();
  }
}
