package dev.vertdesk.access;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.User;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.AssignmentChanges;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The access rules as an admin sets them with a group (Pro's {@code allowed_incomings} and
 * {@code allowed_outgoings} of {@code POST/PATCH /api/user-groups} and {@code /api/device-groups}):
 * lists of {@code {type, name}}, type 0 a user group, 1 a device group, 2 a user. They are kept by
 * guid (a renamed group keeps its rules) and shown by the current names. Every change is read
 * again by this node's {@link AccessRules} before it is answered, and announced to the others.
 */
public final class AccessAdmin {

  public static final int MAX_RULES = 1000;
  public static final String INCOMINGS = "allowed_incomings";
  public static final String OUTGOINGS = "allowed_outgoings";
  private static final String[] TABLES = {"user_groups", "device_groups", "users"};
  private static final String[] NOUNS = {"user group", "device group", "user"};

  /**
   * Rules checked and resolved to guids, for one group; a {@code null} list is left as it is.
   */
  public record Resolved(Set<AccessRules.Target> in, Set<AccessRules.Target> out) {
  }

  private final Database db;
  private final AccessRules rules;
  private final AssignmentChanges changes;

  public AccessAdmin(Database db, AccessRules rules, AssignmentChanges changes) {
    this.db = db;
    this.rules = rules;
    this.changes = changes;
  }

  /**
   * Checks the rules sent for a group ({@code null} arrays: not sent) and finds what they name;
   * a device group has incomings only, and incomings name users and user groups (controllers are
   * users). Fails BAD_REQUEST or NOT_FOUND.
   */
  public Future<Resolved> resolve(boolean deviceGroup, JsonArray incomings, JsonArray outgoings) {
    if (deviceGroup && outgoings != null && !outgoings.isEmpty()) {
      return bad(OUTGOINGS + ": a device group has incoming rules only");
    }
    Future<Set<AccessRules.Target>> in = incomings == null ? Future.succeededFuture(null)
        : targets(INCOMINGS, incomings, Set.of(AccessRules.USER_GROUP, AccessRules.USER));
    Future<Set<AccessRules.Target>> out = outgoings == null || deviceGroup ? Future.succeededFuture(null)
        : targets(OUTGOINGS, outgoings, Set.of(AccessRules.USER_GROUP, AccessRules.DEVICE_GROUP, AccessRules.USER));
    return in.compose(i -> out.map(o -> new Resolved(i, o)));
  }

  private Future<Set<AccessRules.Target>> targets(String field, JsonArray a, Set<Integer> types) {
    if (a.size() > MAX_RULES) {
      return bad(field + " may hold at most " + MAX_RULES + " rules");
    }
    Future<Set<AccessRules.Target>> f = Future.succeededFuture(new LinkedHashSet<>());
    for (Object o : a) {
      if (!(o instanceof JsonObject rule) || !(rule.getValue("type") instanceof Integer type)
          || !(rule.getValue("name") instanceof String name) || !User.validName(name)) {
        return bad(field + ": each rule is {\"type\": 0 (user group), 1 (device group) or 2 (user), \"name\": a name}");
      }
      if (!types.contains(type)) {
        return bad(field + ": type " + type + " is not allowed here"
            + (types.contains(AccessRules.DEVICE_GROUP) ? "" : " (controllers are users: name user groups (0) or users (2))"));
      }
      f = f.compose(set -> db.first("select guid from " + TABLES[type] + " where name_key = ?", r -> r.getString("guid"),
          User.nameKey(name)).compose(guid -> {
            if (guid == null) {
              return Future.<Set<AccessRules.Target>>failedFuture(new AccountException(Kind.NOT_FOUND,
                  field + ": no " + NOUNS[type] + " named " + name));
            }
            set.add(new AccessRules.Target(type, guid));
            return Future.succeededFuture(set);
          }));
    }
    return f;
  }

  /** Replaces the group's rules with those resolved (a list not sent stays as it is). */
  public Future<Void> replace(String groupGuid, Resolved resolved) {
    if (resolved.in() == null && resolved.out() == null) {
      return Future.succeededFuture();
    }
    return db.inTransaction(tx -> {
      Future<?> f = Future.succeededFuture();
      for (String direction : new String[] {"in", "out"}) {
        Set<AccessRules.Target> targets = direction.equals("in") ? resolved.in() : resolved.out();
        if (targets == null) {
          continue;
        }
        f = f.compose(x -> tx.update("delete from access_rules where group_guid = ? and direction = ?", groupGuid,
            direction));
        List<Object[]> rows = new ArrayList<>();
        targets.forEach(t -> rows.add(new Object[] {groupGuid, direction, t.type(), t.guid()}));
        if (!rows.isEmpty()) {
          f = f.compose(x -> tx.batch("insert into access_rules (group_guid, direction, target_type, target_guid)"
              + " values (?, ?, ?, ?)", rows));
        }
      }
      return f.<Void>mapEmpty();
    }).compose(v -> announce());
  }

  /** A group was deleted: its rules go, and so do the rules naming it. */
  public Future<Void> groupDeleted(String groupGuid) {
    return db.update("delete from access_rules where group_guid = ? or target_guid = ?", groupGuid, groupGuid)
        .compose(n -> announce());
  }

  private Future<Void> announce() {
    return rules.reload().map(v -> {
      changes.all();
      return null;
    });
  }

  /**
   * Adds each group's rules to its JSON ({@code guid} the key), by the names of what they name
   * now; what was deleted since is left out. Device groups get incomings only.
   */
  public Future<Void> show(List<JsonObject> groups, boolean deviceGroup) {
    if (groups.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Object> guids = new ArrayList<>();
    groups.forEach(g -> guids.add(g.getString("guid")));
    return db.list("select r.group_guid, r.direction, r.target_type, coalesce(ug.name, dg.name, u.name) as name"
            + " from access_rules r"
            + " left join user_groups ug on r.target_type = 0 and ug.guid = r.target_guid"
            + " left join device_groups dg on r.target_type = 1 and dg.guid = r.target_guid"
            + " left join users u on r.target_type = 2 and u.guid = r.target_guid"
            + " where r.group_guid in (" + String.join(", ", Collections.nCopies(guids.size(), "?")) + ")"
            + " order by r.target_type, name", r -> r, guids.toArray())
        .map(rows -> {
          Map<String, JsonObject> byGuid = new HashMap<>();
          groups.forEach(g -> {
            g.put(INCOMINGS, new JsonArray());
            if (!deviceGroup) {
              g.put(OUTGOINGS, new JsonArray());
            }
            byGuid.put(g.getString("guid"), g);
          });
          rows.forEach(r -> {
            JsonObject g = byGuid.get(r.getString("group_guid"));
            String name = r.getString("name");
            JsonArray list = g == null || name == null ? null
                : g.getJsonArray("out".equals(r.getString("direction")) ? OUTGOINGS : INCOMINGS);
            if (list != null) {
              list.add(new JsonObject().put("type", (int) Database.number(r, "target_type")).put("name", name));
            }
          });
          return null;
        });
  }

  private static <T> Future<T> bad(String message) {
    return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, message));
  }
}
