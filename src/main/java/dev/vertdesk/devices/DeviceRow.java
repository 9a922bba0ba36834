package dev.vertdesk.devices;

import dev.vertdesk.db.Database;
import io.vertx.sqlclient.Row;

/**
 * One device of the inventory with the names of what it is assigned to, as the admin list shows
 * it. {@code deviceName} and {@code deviceUsername} are an admin's names for it, which win over
 * the {@code hostname} and {@code username} its sysinfo reports.
 */
record DeviceRow(String guid, String id, String uuid, boolean enabled, String note, String hostname, String username,
                 String os, String cpu, String memory, String version, String deviceName, String deviceUsername,
                 String conns, boolean deployed, long deployedAt, long sysinfoAt, long lastSeenAt, long createdAt,
                 String userName, String groupName, String deviceGroupName, String userGuid) {

  static final String COLUMNS = "d.guid, d.id, d.uuid, d.enabled, d.note, d.hostname, d.username, d.os, d.cpu,"
      + " d.memory, d.version, d.device_name, d.device_username, d.conns, d.deployed, d.deployed_at, d.sysinfo_at,"
      + " d.last_seen_at, d.created_at, u.name as user_name, g.name as group_name, dg.name as device_group_name, d.user_guid";

  /** The devices with their user, the user's group and their device group. */
  static final String JOINED = " from devices d"
      + " left join users u on u.guid = d.user_guid"
      + " left join user_groups g on g.guid = u.group_guid"
      + " left join device_groups dg on dg.guid = d.device_group_guid";

  static DeviceRow from(Row r) {
    return new DeviceRow(r.getString("guid"), r.getString("id"), r.getString("uuid"), Database.bool(r, "enabled"),
        r.getString("note"), r.getString("hostname"), r.getString("username"), r.getString("os"), r.getString("cpu"),
        r.getString("memory"), r.getString("version"), r.getString("device_name"), r.getString("device_username"),
        r.getString("conns"), Database.bool(r, "deployed"), Database.number(r, "deployed_at"),
        Database.number(r, "sysinfo_at"), Database.number(r, "last_seen_at"), Database.number(r, "created_at"),
        r.getString("user_name"), r.getString("group_name"), r.getString("device_group_name"),
        r.getString("user_guid"));
  }

  /** The name shown for the device: the admin's, else the host name it reports. */
  String shownName() {
    return deviceName.isEmpty() ? hostname : deviceName;
  }

  String shownUsername() {
    return deviceUsername.isEmpty() ? username : deviceUsername;
  }
}
