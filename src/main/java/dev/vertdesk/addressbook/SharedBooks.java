package dev.vertdesk.addressbook;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.User;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * What an admin (or an API token with the {@code address_books} scope) does with shared books, as
 * RustDesk Server Pro's {@code rustdesk/rustdesk: res/ab.py} does it: create, change and delete
 * books, and the rules that give a user, a user group or everyone read (1), read/write (2) or
 * full control (3). Also puts a device into a book by its name ({@code rustdesk --assign
 * --address_book_name}).
 */
public final class SharedBooks {

  static final int MAX_NOTE = 1000;
  static final int MAX_PASSWORD = 256;
  private static final String PERSONAL_NAME_KEY = "my address book";

  /** A shared book's settings as an admin sends them; {@code null} leaves a field unchanged. */
  public record Changes(String name, String note, String owner, String password) {
  }

  /** What {@code rustdesk --assign} puts into a book with a device (empty: not given). */
  public record Placement(String book, String alias, String tag, String password, String note) {
  }

  private final Database db;
  private final AddressBookService books;
  private final LongSupplier clock;

  public SharedBooks(Database db, AddressBookService books, LongSupplier clock) {
    this.db = db;
    this.books = books;
    this.clock = clock;
  }

  /** Creates a shared book owned by {@code ownerGuid}; a name taken (any case) is CONFLICT. */
  public Future<JsonObject> create(String ownerGuid, String name, String note, String password) {
    return AddressBookService.guarded(() -> {
      check(name, note, password);
      return insert(ownerGuid, name, note, password);
    });
  }

  private Future<JsonObject> insert(String ownerGuid, String name, String note, String password) {
    String guid = UUID.randomUUID().toString();
    String trimmed = name.strip();
    return db.update("insert into address_books (guid, owner_guid, name, shared_key, note, password, created_at)"
                + " values (?, ?, ?, ?, ?, ?, ?)", guid, ownerGuid, trimmed, User.nameKey(trimmed), note, password,
            clock.getAsLong())
        .recover(e -> Future.failedFuture(conflict(trimmed, e)))
        .compose(n -> get(guid));
  }

  /** A shared book as an admin sees it (full control). */
  public Future<JsonObject> get(String guid) {
    return db.first("select b.guid, b.name, b.note, b.password, u.name as owner from address_books b"
            + " left join users u on u.guid = b.owner_guid where b.guid = ? and b.personal_owner is null",
        r -> AddressBookService.profile(r.getString("guid"), r.getString("name"), r.getString("owner"),
            r.getString("note"), AddressBookService.FULL_CONTROL, r.getString("password")), guid)
        .compose(b -> b == null ? notFound(guid) : Future.succeededFuture(b));
  }

  /** Renames a book, changes its note, owner (a user's name; empty: none) or password. */
  public Future<Void> update(String guid, Changes c) {
    return AddressBookService.guarded(() -> {
      check(c.name(), c.note(), c.password());
      return change(guid, c);
    });
  }

  private Future<Void> change(String guid, Changes c) {
    Future<String> owner = c.owner() == null || c.owner().isEmpty() ? Future.succeededFuture(null)
        : userGuid(c.owner());
    return get(guid).compose(b -> owner.compose(ownerGuid -> {
      List<Object> args = new ArrayList<>();
      StringBuilder sql = new StringBuilder("update address_books set created_at = created_at");
      if (c.name() != null) {
        sql.append(", name = ?, shared_key = ?");
        args.add(c.name().strip());
        args.add(User.nameKey(c.name()));
      }
      if (c.note() != null) {
        sql.append(", note = ?");
        args.add(c.note());
      }
      if (c.password() != null) {
        sql.append(", password = ?");
        args.add(c.password());
      }
      if (c.owner() != null) {
        sql.append(", owner_guid = ?");
        args.add(ownerGuid);
      }
      args.add(guid);
      return db.update(sql.append(" where guid = ?").toString(), args.toArray())
          .recover(e -> Future.failedFuture(conflict(c.name(), e)));
    })).mapEmpty();
  }

  /** Deletes shared books with their peers, tags and rules; all must exist (NOT_FOUND, nothing deleted). */
  public Future<Void> delete(List<String> guids) {
    return db.inTransaction(tx -> AddressBookService.each(guids, guid -> tx.first(
            "select guid from address_books where guid = ? and personal_owner is null", r -> r.getString("guid"), guid)
        .compose(found -> found == null ? notFound(guid) : tx.update("delete from ab_rules where book_guid = ?", guid)
            .compose(n -> tx.update("delete from ab_tags where book_guid = ?", guid))
            .compose(n -> tx.update("delete from ab_peers where book_guid = ?", guid))
            .compose(n -> tx.update("delete from address_books where guid = ?", guid)))));
  }

  // ------------------------------------------------------------------ rules

  /** The rules of a shared book: {@code {guid, user, group, rule}}, {@code user} and {@code group} null for everyone. */
  public Future<JsonObject> rules(String book, Page page) {
    String from = " from ab_rules r left join users u on u.guid = r.user_guid"
        + " left join user_groups g on g.guid = r.group_guid where r.book_guid = ?"
        + " and (r.target = 'everyone' or u.guid is not null or g.guid is not null)";
    return get(book).compose(b -> db.first("select count(*) as n" + from, r -> Database.number(r, "n"), book))
        .compose(total -> db.list("select r.guid, r.rule, u.name as user_name, g.name as group_name" + from
                + " order by r.created_at, r.guid limit ? offset ?",
            r -> new JsonObject().put("guid", r.getString("guid")).put("user", r.getString("user_name"))
                .put("group", r.getString("group_name")).put("rule", (int) Database.number(r, "rule")),
            book, page.size(), page.offset())
            .map(rows -> Pages.page(total, rows)));
  }

  /**
   * Gives a user (by name), a user group (by name), or everyone (neither) a rule on a book; one
   * rule per book and target (CONFLICT: change it instead).
   */
  public Future<JsonObject> addRule(String book, int rule, String userName, String groupName) {
    return AddressBookService.guarded(() -> {
      checkRule(rule);
      return insertRule(book, rule, userName, groupName);
    });
  }

  private Future<JsonObject> insertRule(String book, int rule, String userName, String groupName) {
    if (userName != null && groupName != null) {
      return Future.failedFuture(PeerFields.bad("a rule names a user or a group, not both"));
    }
    Future<String[]> target;
    if (userName != null) {
      target = userGuid(userName).map(g -> new String[] {"user:" + g, g, null});
    } else if (groupName != null) {
      target = db.first("select guid from user_groups where name_key = ?", r -> r.getString("guid"),
              User.nameKey(groupName))
          .compose(g -> g == null ? Future.failedFuture(new AccountException(Kind.NOT_FOUND,
              "no user group named " + groupName)) : Future.succeededFuture(new String[] {"group:" + g, null, g}));
    } else {
      target = Future.succeededFuture(new String[] {"everyone", null, null});
    }
    String guid = UUID.randomUUID().toString();
    return get(book).compose(b -> target).compose(t -> db.update("insert into ab_rules (guid, book_guid, target,"
                + " user_guid, group_guid, rule, created_at) values (?, ?, ?, ?, ?, ?, ?)", guid, book, t[0], t[1], t[2],
            rule, clock.getAsLong())
        .recover(e -> Future.failedFuture(uniqueViolation(e)
            ? new AccountException(Kind.CONFLICT, "this book has a rule for " + (userName != null ? userName
                : groupName != null ? groupName : "everyone") + " already: change it") : e)))
        .map(n -> new JsonObject().put("guid", guid).put("user", userName).put("group", groupName).put("rule", rule));
  }

  /** Changes a rule's level. */
  public Future<Void> changeRule(String guid, int rule) {
    return AddressBookService.guarded(() -> {
      checkRule(rule);
      return db.update("update ab_rules set rule = ? where guid = ?", rule, guid)
          .compose(n -> n > 0 ? Future.succeededFuture()
              : Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no rule " + guid)));
    });
  }

  /** Deletes rules; all must exist (NOT_FOUND, nothing deleted). */
  public Future<Void> deleteRules(List<String> guids) {
    return db.inTransaction(tx -> AddressBookService.each(guids, guid ->
        tx.update("delete from ab_rules where guid = ?", guid).compose(n -> n > 0 ? Future.succeededFuture()
            : Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no rule " + guid)))));
  }

  // ------------------------------------------------------------------ devices

  /**
   * Puts a device into the shared book of that name, with its host name, user and platform from
   * its system information; the alias, tag, password and note given replace the peer's. A tag new
   * to the book is added to it.
   *
   * @param device the device's {@code hostname}, {@code username} and {@code platform}, as strings
   */
  public Future<Void> place(String id, Placement where, Map<String, String> device) {
    if (where.tag().length() > PeerFields.MAX_TAG || where.alias().length() > PeerFields.MAX_TEXT
        || where.password().length() > PeerFields.MAX_TEXT || where.note().length() > PeerFields.MAX_NOTE) {
      return Future.failedFuture(PeerFields.bad("an address book tag, alias, password or note is too long"));
    }
    return db.first("select guid from address_books where shared_key = ?", r -> r.getString("guid"),
            User.nameKey(where.book()))
        .compose(book -> book == null ? Future.failedFuture(new AccountException(Kind.NOT_FOUND,
            "no shared address book named " + where.book())) : db.inTransaction(tx -> tx.first(
                "select data, tags, deleted_at from ab_peers where book_guid = ? and id = ?",
                r -> new Object[] {r.getString("data"), r.getString("tags"), Database.number(r, "deleted_at")},
                book, id)
            .compose(row -> {
              boolean present = row != null && (long) row[2] == 0;
              JsonObject data = row == null ? new JsonObject() : new JsonObject((String) row[0]);
              LinkedHashSet<String> tags = new LinkedHashSet<>();
              if (row != null) {
                new JsonArray((String) row[1]).forEach(t -> tags.add((String) t));
              }
              device.forEach((k, v) -> {
                if (v != null && !v.isEmpty()) {
                  data.put(k, v);
                }
              });
              putIfGiven(data, "alias", where.alias());
              putIfGiven(data, "password", where.password());
              putIfGiven(data, "note", where.note());
              if (!where.tag().isEmpty()) {
                tags.add(where.tag());
              }
              Future<Void> tagged = where.tag().isEmpty() ? Future.succeededFuture()
                  : tx.update("insert into ab_tags (book_guid, name, color, created_at) values (?, ?, ?, ?)"
                      + " on conflict (book_guid, name) do nothing", book, where.tag(),
                      AddressBookService.DEFAULT_COLOR, clock.getAsLong()).mapEmpty();
              Future<Void> room = present ? Future.succeededFuture() : tx.first(
                  "select count(*) as n from ab_peers where book_guid = ? and deleted_at = 0",
                  r -> Database.number(r, "n"), book).compose(n -> n < books.config().maxPeersPerBook()
                  ? Future.succeededFuture() : Future.failedFuture(new AccountException(Kind.CONFLICT,
                  "the address book " + where.book() + " is full")));
              long now = clock.getAsLong();
              return room.compose(v -> tagged).compose(v -> tx.update("insert into ab_peers (book_guid, id, data,"
                      + " tags, deleted_at, created_at, updated_at) values (?, ?, ?, ?, 0, ?, ?) on conflict"
                      + " (book_guid, id) do update set data = excluded.data, tags = excluded.tags, deleted_at = 0,"
                      + " updated_at = excluded.updated_at", book, id, data.encode(),
                  new JsonArray(new ArrayList<>(tags)).encode(), now, now)).mapEmpty();
            })));
  }

  private static void putIfGiven(JsonObject data, String key, String value) {
    if (!value.isEmpty()) {
      data.put(key, value);
    }
  }

  // ------------------------------------------------------------------ helpers

  private Future<String> userGuid(String name) {
    return db.first("select guid from users where name_key = ?", r -> r.getString("guid"), User.nameKey(name))
        .compose(g -> g == null ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no user named " + name))
            : Future.succeededFuture(g));
  }

  private static void check(String name, String note, String password) {
    if (name != null && !User.validName(name)) {
      throw PeerFields.bad("an address book name is 1 to 128 characters, without control characters");
    }
    if (name != null && User.nameKey(name).equals(PERSONAL_NAME_KEY)) {
      // the client lists the personal book under this name and keys books by name
      throw PeerFields.bad("\"My address book\" is the client's name for each user's personal book");
    }
    if (note != null && (note.length() > MAX_NOTE || note.codePoints().anyMatch(ch -> Character.isISOControl(ch)
        && ch != '\n' && ch != '\r' && ch != '\t'))) {
      throw PeerFields.bad("note is no longer than " + MAX_NOTE + " characters");
    }
    if (password != null && password.length() > MAX_PASSWORD) {
      throw PeerFields.bad("password is no longer than " + MAX_PASSWORD + " characters");
    }
  }

  private static void checkRule(int rule) {
    if (rule < AddressBookService.READ || rule > AddressBookService.FULL_CONTROL) {
      throw PeerFields.bad("rule is 1 (read), 2 (read/write) or 3 (full control)");
    }
  }

  /** A unique index refused the row: SQLite and PostgreSQL say so in their own words. */
  static boolean uniqueViolation(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return m.contains("unique") || m.contains("duplicate key");
  }

  private static <T> Future<T> notFound(String guid) {
    return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no shared address book " + guid));
  }

  private static Throwable conflict(String name, Throwable e) {
    return uniqueViolation(e)
        ? new AccountException(Kind.CONFLICT, "a shared address book named " + name + " exists") : e;
  }
}
