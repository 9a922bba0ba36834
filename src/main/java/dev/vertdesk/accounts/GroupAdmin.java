package dev.vertdesk.accounts;

import dev.vertdesk.db.Database;
import dev.vertdesk.db.Like;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * User groups and device groups as an admin manages them (Pro's {@code /api/user-groups} and
 * {@code /api/device-groups}): list, create, rename, delete, and their members (users by guid,
 * devices by ID). A user or a device is in at most one group. Deleting a group leaves its members
 * in none.
 */
public final class GroupAdmin {

  public static final int MAX_NOTE = 1000;

  /** The two kinds of group: their table, and the table and column of their members. */
  public enum Kind {
    USER("user_groups", "users", "group_guid", "guid", "user", "user_count"),
    DEVICE("device_groups", "devices", "device_group_guid", "id", "device", "device_count");

    final String table;
    final String members;
    final String column;
    /** How a request names a member: a user's guid, a device's ID. */
    final String memberKey;
    final String noun;
    final String countField;

    Kind(String table, String members, String column, String memberKey, String noun, String countField) {
      this.table = table;
      this.members = members;
      this.column = column;
      this.memberKey = memberKey;
      this.noun = noun;
      this.countField = countField;
    }
  }

  private final Database db;
  private final AccountService accounts;

  public GroupAdmin(Database db, AccountService accounts) {
    this.db = db;
    this.accounts = accounts;
  }

  /** A page of groups, by name ({@code nameFilter} a {@link Like} pattern, {@code null} for all). */
  public Future<JsonObject> list(Kind kind, String nameFilter, Page page) {
    String where = nameFilter == null ? "" : " where g.name_key like ? escape '\\'";
    Object[] filterArgs = nameFilter == null ? new Object[0] : new Object[] {Like.pattern(nameFilter)};
    return db.first("select count(*) as n from " + kind.table + " g" + where, r -> Database.number(r, "n"), filterArgs)
        .compose(total -> {
          List<Object> args = new ArrayList<>(List.of(filterArgs));
          args.add(page.size());
          args.add(page.offset());
          return db.list(select(kind) + where + " order by g.name_key limit ? offset ?", r -> item(kind, r),
              args.toArray()).map(rows -> Listing.page(total, rows));
        });
  }

  /**
   * The device groups a user may see in the client's "accessible devices" tab: every group for an
   * admin ({@code userGuid} null), else the groups of the devices the user owns.
   */
  public Future<JsonObject> accessibleDeviceGroups(String userGuid, Page page) {
    String where = userGuid == null ? ""
        : " where exists (select 1 from devices d where d.device_group_guid = g.guid and d.user_guid = ?)";
    Object[] filterArgs = userGuid == null ? new Object[0] : new Object[] {userGuid};
    return db.first("select count(*) as n from device_groups g" + where, r -> Database.number(r, "n"), filterArgs)
        .compose(total -> {
          List<Object> args = new ArrayList<>(List.of(filterArgs));
          args.add(page.size());
          args.add(page.offset());
          return db.list("select g.guid, g.name, g.note from device_groups g" + where
                  + " order by g.name_key limit ? offset ?",
              r -> new JsonObject().put("guid", r.getString("guid")).put("name", r.getString("name"))
                  .put("note", r.getString("note")), args.toArray())
              .map(rows -> Listing.page(total, rows));
        });
  }

  public Future<JsonObject> get(Kind kind, String guid) {
    return db.first(select(kind) + " where g.guid = ?", r -> item(kind, r), guid)
        .compose(g -> g == null ? notFound(kind, guid) : Future.succeededFuture(g));
  }

  public Future<JsonObject> create(Kind kind, String name, String note) {
    String problem = check(name, note);
    if (problem != null) {
      return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST, problem));
    }
    String guid = UUID.randomUUID().toString();
    String trimmed = name.strip();
    return db.update("insert into " + kind.table + " (guid, name, name_key, note, created_at) values (?, ?, ?, ?, ?)",
            guid, trimmed, User.nameKey(trimmed), note, System.currentTimeMillis())
        .recover(e -> Future.failedFuture(conflict(kind, trimmed, e)))
        .compose(n -> get(kind, guid));
  }

  /** Renames a group or changes its note; {@code null} leaves a field as it is. */
  public Future<JsonObject> update(Kind kind, String guid, String name, String note) {
    String problem = check(name, note);
    if (problem != null) {
      return Future.failedFuture(new AccountException(AccountException.Kind.BAD_REQUEST, problem));
    }
    return get(kind, guid).compose(g -> {
      String newName = name == null ? g.getString("name") : name.strip();
      return db.update("update " + kind.table + " set name = ?, name_key = ?, note = ? where guid = ?", newName,
              User.nameKey(newName), note == null ? g.getString("note") : note, guid)
          .recover(e -> Future.failedFuture(conflict(kind, newName, e)));
    }).compose(n -> get(kind, guid));
  }

  /** Deletes a group; its members are left in no group. */
  public Future<Void> delete(Kind kind, String guid) {
    return get(kind, guid).compose(g -> memberUsers(kind, guid)).compose(users -> db.inTransaction(tx ->
            tx.update("update " + kind.members + " set " + kind.column + " = null where " + kind.column + " = ?", guid)
                .compose(n -> tx.update("delete from " + kind.table + " where guid = ?", guid)))
        .compose(n -> invalidate(users)));
  }

  /**
   * Puts these members (user guids, device IDs) into the group, out of any other; all or nothing:
   * an unknown one fails the whole request and changes nothing.
   */
  public Future<Void> addMembers(Kind kind, String guid, List<String> members) {
    return get(kind, guid).compose(g -> db.inTransaction(tx -> Listing.each(members, m ->
            tx.update("update " + kind.members + " set " + kind.column + " = ? where " + kind.memberKey + " = ?",
                guid, m).compose(n -> n > 0 ? Future.succeededFuture()
                : Future.failedFuture(new AccountException(AccountException.Kind.NOT_FOUND,
                    "no " + kind.noun + " " + m))))))
        .compose(v -> kind == Kind.USER ? invalidate(members) : Future.succeededFuture());
  }

  /** Takes these devices out of the group (those in another group stay there); all must exist. */
  public Future<Void> removeDevices(String guid, List<String> deviceIds) {
    return get(Kind.DEVICE, guid).compose(g -> db.inTransaction(tx -> Listing.each(deviceIds, id ->
        tx.first("select id from devices where id = ?", r -> r.getString("id"), id).compose(found -> found == null
            ? Future.failedFuture(new AccountException(AccountException.Kind.NOT_FOUND, "no device " + id))
            : tx.update("update devices set device_group_guid = null where id = ? and device_group_guid = ?",
                id, guid)))));
  }

  // ------------------------------------------------------------------ helpers

  private static String select(Kind kind) {
    return "select g.guid, g.name, g.note, g.created_at, (select count(*) from " + kind.members + " m where m."
        + kind.column + " = g.guid) as members from " + kind.table + " g";
  }

  private static JsonObject item(Kind kind, Row r) {
    return new JsonObject()
        .put("guid", r.getString("guid"))
        .put("name", r.getString("name"))
        .put("note", r.getString("note"))
        .put(kind.countField, Database.number(r, "members"))
        .put("created_at", Listing.iso(Database.number(r, "created_at")));
  }

  /** The users of a user group, whose cached principals name it; none for a device group. */
  private Future<List<String>> memberUsers(Kind kind, String guid) {
    return kind == Kind.USER ? db.list("select guid from users where group_guid = ?", r -> r.getString("guid"), guid)
        : Future.succeededFuture(List.of());
  }

  private Future<Void> invalidate(List<String> users) {
    return Listing.each(users, accounts::invalidateUser);
  }

  private static Future<JsonObject> notFound(Kind kind, String guid) {
    return Future.failedFuture(new AccountException(AccountException.Kind.NOT_FOUND, "no " + kind.noun + " group " + guid));
  }

  private static Throwable conflict(Kind kind, String name, Throwable e) {
    return UserStore.uniqueViolation(e)
        ? new AccountException(AccountException.Kind.CONFLICT, "a " + kind.noun + " group named " + name + " exists") : e;
  }

  /** What is wrong with a name and note, {@code null} when nothing; {@code null} fields are not checked. */
  private static String check(String name, String note) {
    if (name != null && !User.validName(name)) {
      return "a group name is 1 to 128 characters, without control characters";
    }
    return note == null ? null : UserAdmin.checkText("note", note, MAX_NOTE);
  }
}
