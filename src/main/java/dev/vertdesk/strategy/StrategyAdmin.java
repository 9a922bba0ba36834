package dev.vertdesk.strategy;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.User;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.AssignmentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Strategies as an admin manages them (Pro's {@code /api/strategies}, rustdesk/rustdesk:
 * {@code res/strategies.py}): named sets of client options, created, changed, enabled or
 * disabled, deleted, and assigned to devices, users and device groups. Every change is read again
 * by this node's {@link StrategyBook} before it is answered, and announced to the other nodes.
 */
public final class StrategyAdmin {

  /** Options one strategy may carry, and their sizes: the client writes every one into its config. */
  public static final int MAX_OPTIONS = 256;
  public static final int MAX_KEY = 128;
  public static final int MAX_VALUE = 4096;
  public static final int MAX_NOTE = 1000;
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final String SELECT = "select s.guid, s.name, s.note, s.enabled, s.options, s.cleared,"
      + " s.modified_at, s.created_at,"
      + " (select count(*) from devices d where d.strategy_guid = s.guid) as devices,"
      + " (select count(*) from users u where u.strategy_guid = s.guid) as users,"
      + " (select count(*) from device_groups g where g.strategy_guid = s.guid) as device_groups"
      + " from strategies s";

  /** Where a strategy can be assigned: the table, and how the assign call names its rows. */
  private enum Target {
    DEVICE("devices", "device"), USER("users", "user"), DEVICE_GROUP("device_groups", "device group");

    final String table;
    final String noun;

    Target(String table, String noun) {
      this.table = table;
      this.noun = noun;
    }
  }

  private final Database db;
  private final StrategyBook book;
  private final AssignmentChanges changes;

  public StrategyAdmin(Database db, StrategyBook book, AssignmentChanges changes) {
    this.db = db;
    this.book = book;
    this.changes = changes;
  }

  /** Every strategy, by name: a plain list, as the official script iterates it. */
  public Future<JsonArray> list() {
    return db.list(SELECT + " order by s.name_key", StrategyAdmin::item).map(rows -> new JsonArray(new ArrayList<>(rows)));
  }

  public Future<JsonObject> get(String guid) {
    return db.first(SELECT + " where s.guid = ?", StrategyAdmin::item, guid)
        .compose(s -> s == null ? notFound(guid) : Future.succeededFuture(s));
  }

  /** A new, enabled strategy. */
  public Future<JsonObject> create(String name, String note, JsonObject options) {
    String problem = check(name, note, options);
    if (problem != null) {
      return bad(problem);
    }
    String guid = UUID.randomUUID().toString();
    String trimmed = name.strip();
    long now = System.currentTimeMillis();
    return db.inTransaction(tx -> nextStamp(tx, now).compose(stamp -> tx.update(
            "insert into strategies (guid, name, name_key, note, enabled, options, cleared, modified_at, created_at)"
                + " values (?, ?, ?, ?, 1, ?, '[]', ?, ?)",
            guid, trimmed, User.nameKey(trimmed), note == null ? "" : note, options.encode(), stamp, now)))
        .recover(e -> Future.failedFuture(conflict(trimmed, e)))
        .compose(n -> changed(guid));
  }

  /**
   * Renames a strategy, changes its note or replaces its options ({@code null}: unchanged). New
   * options give it a new version, so every device that has it receives it again; options it no
   * longer sets are sent empty from then on, which makes the clients drop them.
   */
  public Future<JsonObject> update(String guid, String name, String note, JsonObject options) {
    String problem = check(name, note, options);
    if (problem != null) {
      return bad(problem);
    }
    long now = System.currentTimeMillis();
    return db.inTransaction(tx -> tx.first("select name, note, options, cleared from strategies where guid = ?",
        r -> r, guid).compose(row -> {
          if (row == null) {
            return notFound(guid);
          }
          String newName = name == null ? row.getString("name") : name.strip();
          String newNote = note == null ? row.getString("note") : note;
          if (options == null) {
            return tx.update("update strategies set name = ?, name_key = ?, note = ? where guid = ?",
                newName, User.nameKey(newName), newNote, guid).recover(e -> Future.failedFuture(conflict(newName, e)));
          }
          Set<String> cleared = new LinkedHashSet<>();
          new JsonArray(row.getString("cleared")).forEach(k -> cleared.add((String) k));
          cleared.addAll(new JsonObject(row.getString("options")).fieldNames());
          cleared.removeAll(options.fieldNames());
          return nextStamp(tx, now).compose(stamp -> tx.update("update strategies set name = ?, name_key = ?,"
                  + " note = ?, options = ?, cleared = ?, modified_at = ? where guid = ?", newName,
              User.nameKey(newName), newNote, options.encode(), new JsonArray(new ArrayList<>(cleared)).encode(), stamp,
              guid)).recover(e -> Future.failedFuture(conflict(newName, e)));
        })).compose(n -> changed(guid));
  }

  /** Enables or disables a strategy; a disabled one counts as unassigned, where it is assigned. */
  public Future<Void> setEnabled(String guid, boolean enabled) {
    return db.update("update strategies set enabled = ? where guid = ?", enabled, guid)
        .compose(n -> n == 0 ? StrategyAdmin.<JsonObject>notFound(guid) : changed(guid)).mapEmpty();
  }

  /** Deletes a strategy; what it was assigned to has none from then on (clients keep their options). */
  public Future<Void> delete(String guid) {
    return db.inTransaction(tx -> tx.update("delete from strategies where guid = ?", guid).compose(n -> {
      if (n == 0) {
        return notFound(guid);
      }
      Future<Integer> cleared = Future.succeededFuture(0);
      for (Target t : Target.values()) {
        cleared = cleared.compose(x -> tx.update("update " + t.table + " set strategy_guid = null where strategy_guid = ?",
            guid));
      }
      return cleared;
    })).compose(n -> announceAll());
  }

  /**
   * {@code POST /api/strategies/assign}: the strategy ({@code null}: none) for these devices,
   * users and device groups, all given by guid; all or nothing, an unknown guid is not found.
   */
  public Future<Void> assign(String strategyGuid, List<String> devices, List<String> users, List<String> groups) {
    Map<Target, List<String>> targets = Map.of(Target.DEVICE, devices, Target.USER, users, Target.DEVICE_GROUP, groups);
    return db.inTransaction(tx -> {
      Future<?> f = strategyGuid == null ? Future.succeededFuture()
          : tx.first("select guid from strategies where guid = ?", r -> r.getString("guid"), strategyGuid)
              .compose(found -> found == null ? StrategyAdmin.<Void>notFound(strategyGuid) : Future.<Void>succeededFuture());
      for (Target t : Target.values()) {
        for (String guid : targets.get(t)) {
          f = f.compose(x -> tx.update("update " + t.table + " set strategy_guid = ? where guid = ?", strategyGuid, guid))
              .compose(n -> n > 0 ? Future.<Void>succeededFuture()
                  : Future.<Void>failedFuture(new AccountException(Kind.NOT_FOUND, "no " + t.noun + " " + guid)));
        }
      }
      return f.compose(x -> devices.isEmpty() ? Future.succeededFuture(List.<String>of())
          : tx.list("select id from devices where guid in (" + String.join(", ", Collections.nCopies(devices.size(), "?"))
              + ")", r -> r.getString("id"), devices.toArray()));
    }).compose(ids -> (users.isEmpty() && groups.isEmpty() ? Future.<Void>succeededFuture() : announceAll())
        .map(v -> {
          changes.devices(ids);
          return null;
        }));
  }

  /** A version above every other strategy's and not before now: two strategies never share one. */
  private static Future<Long> nextStamp(Database.Tx tx, long now) {
    return tx.first("select max(modified_at) as m from strategies", r -> r.getValue("m") == null ? 0L
        : Database.number(r, "m")).map(max -> Math.max(now, max + 1));
  }

  private Future<JsonObject> changed(String guid) {
    return announceAll().compose(v -> get(guid));
  }

  /** Read again here before the answer, then announced to the other nodes. */
  private Future<Void> announceAll() {
    return book.reload().map(v -> {
      changes.all();
      return null;
    });
  }

  private static JsonObject item(Row r) {
    return new JsonObject()
        .put("guid", r.getString("guid"))
        .put("name", r.getString("name"))
        .put("note", r.getString("note"))
        .put("status", Database.bool(r, "enabled") ? 1 : 0)
        .put("options", new JsonObject(r.getString("options")))
        .put("cleared", new JsonArray(r.getString("cleared")))
        .put("modified_at", Database.number(r, "modified_at"))
        .put("updated_at", iso(Database.number(r, "modified_at")))
        .put("created_at", iso(Database.number(r, "created_at")))
        .put("device_count", Database.number(r, "devices"))
        .put("user_count", Database.number(r, "users"))
        .put("device_group_count", Database.number(r, "device_groups"));
  }

  private static String iso(long millis) {
    return ISO.format(Instant.ofEpochMilli(millis));
  }

  /** What is wrong with a name, note and options; {@code null} fields are not checked. */
  static String check(String name, String note, JsonObject options) {
    if (name != null && !User.validName(name)) {
      return "a strategy name is 1 to 128 characters, without control characters";
    }
    if (note != null && (note.length() > MAX_NOTE || !plain(note))) {
      return "note must be at most " + MAX_NOTE + " characters, without control characters other than line breaks";
    }
    if (options == null) {
      return null;
    }
    if (options.size() > MAX_OPTIONS) {
      return "options may set at most " + MAX_OPTIONS + " client options";
    }
    for (Map.Entry<String, Object> e : options) {
      String key = e.getKey();
      if (key.isEmpty() || key.length() > MAX_KEY || key.codePoints().anyMatch(c -> Character.isISOControl(c)
          || Character.isWhitespace(c))) {
        return "an option name is 1 to " + MAX_KEY + " characters, without spaces or control characters";
      }
      // the client reads config_options as strings only: one number would make it ignore the whole strategy
      if (!(e.getValue() instanceof String v)) {
        return "option " + key + ": values must be strings (\"Y\", \"N\", \"\" ...)";
      }
      if (v.length() > MAX_VALUE || !plain(v)) {
        return "option " + key + ": a value is at most " + MAX_VALUE
            + " characters, without control characters other than line breaks";
      }
    }
    return null;
  }

  private static boolean plain(String s) {
    return s.codePoints().noneMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t');
  }

  private static <T> Future<T> bad(String message) {
    return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, message));
  }

  private static <T> Future<T> notFound(String guid) {
    return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no strategy " + guid));
  }

  private static Throwable conflict(String name, Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("unique") || m.contains("duplicate key")
        ? new AccountException(Kind.CONFLICT, "a strategy named " + name + " exists") : e;
  }
}
