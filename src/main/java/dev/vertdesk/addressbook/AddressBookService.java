package dev.vertdesk.addressbook;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.Scopes;
import dev.vertdesk.config.AddressBooksConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Like;
import dev.vertdesk.db.Page;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address books as the RustDesk client uses them ({@code rustdesk/rustdesk:
 * flutter/lib/models/ab_model.dart}): each user's personal book, the shared books their rules let
 * them see, the peers and tags of a book, the recycle bin of deleted peers, and the legacy
 * whole-book format of older clients. Who may do what: the owner of a personal book everything;
 * on a shared book the highest rule that names the user, the user's group or everyone (1 read,
 * 2 read/write, 3 full control), and an admin (or an API token with the address_books scope) full
 * control. A book the caller may not read is answered as if it did not exist.
 */
public final class AddressBookService {

  private static final Logger LOG = LoggerFactory.getLogger(AddressBookService.class);

  public static final int READ = 1;
  public static final int READ_WRITE = 2;
  public static final int FULL_CONTROL = 3;
  /** The colour a tag the legacy API gave none is shown with (opaque grey). */
  static final long DEFAULT_COLOR = 0xFF9E9E9EL;
  static final int MAX_TAGS_PER_BOOK = 1000;
  /** How often the recycle bin is purged of what has been there longer than the configured days. */
  static final long PURGE_INTERVAL_MILLIS = 3_600_000L;
  private static final long DAY_MILLIS = 86_400_000L;

  private final Vertx vertx;
  private final Database db;
  private final AddressBooksConfig config;
  private final LongSupplier clock;
  private final SharedBooks shared;
  private long purgeTimer = -1;

  public AddressBookService(Vertx vertx, Database db, AddressBooksConfig config, LongSupplier clock) {
    this.vertx = vertx;
    this.db = db;
    this.config = config;
    this.clock = clock;
    this.shared = new SharedBooks(db, this, clock);
  }

  public AddressBooksConfig config() {
    return config;
  }

  /** The admin's side: shared books and their rules. */
  public SharedBooks shared() {
    return shared;
  }

  /** A tag name from a request; BAD_REQUEST when it is not one. */
  public static String tagName(Object v) {
    return PeerFields.tag(v, "tag");
  }

  /** A tag colour from a request (unsigned 32-bit ARGB); BAD_REQUEST when it is not one. */
  public static long tagColor(Object v) {
    return PeerFields.color(v);
  }

  /** Purges the recycle bin now and then every hour (on the caller's context). */
  public void start() {
    purgeTimer = vertx.setPeriodic(1000, PURGE_INTERVAL_MILLIS, t -> purgeExpired()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("address books: {} peer(s) purged from the recycle bin", n);
          }
        })
        .onFailure(e -> LOG.warn("address books: purging the recycle bin failed: {}", e.toString())));
  }

  public void stop() {
    if (purgeTimer >= 0) {
      vertx.cancelTimer(purgeTimer);
      purgeTimer = -1;
    }
  }

  /** Deletes the peers that have been in the recycle bin longer than {@code recycleBinDays}. */
  public Future<Integer> purgeExpired() {
    return db.update("delete from ab_peers where deleted_at > 0 and deleted_at <= ?", binCutoff());
  }

  private long binCutoff() {
    return clock.getAsLong() - config.recycleBinDays() * DAY_MILLIS;
  }

  // ------------------------------------------------------------------ books and access

  /** The guid of the caller's personal book, created on first use. */
  public Future<String> personal(Principal p) {
    String owner = p.user().guid();
    return db.first("select guid from address_books where personal_owner = ?", r -> r.getString("guid"), owner)
        .compose(guid -> guid != null ? Future.succeededFuture(guid)
            : db.update("insert into address_books (guid, personal_owner, owner_guid, name, created_at)"
                    + " values (?, ?, ?, ?, ?) on conflict (personal_owner) do nothing",
                UUID.randomUUID().toString(), owner, owner, "My address book", clock.getAsLong())
                .compose(n -> db.first("select guid from address_books where personal_owner = ?",
                    r -> r.getString("guid"), owner)));
  }

  /** {@code {"max_peer_one_ab": n}}. */
  public JsonObject settings() {
    return new JsonObject().put("max_peer_one_ab", config.maxPeersPerBook());
  }

  /** The caller's rule on a book, at least {@code needed}; NOT_FOUND when it may not read it, FORBIDDEN below. */
  Future<Integer> access(Principal p, String guid, int needed) {
    return access(p, guid, needed, "", r -> 0).map(Checked::rule);
  }

  /** A rule and what else was read with it. */
  private record Checked<T>(int rule, T value) {
  }

  /**
   * {@link #access(Principal, String, int)}, reading {@code columns} of the book (SQL starting
   * with a comma) in the same round trip.
   */
  private <T> Future<Checked<T>> access(Principal p, String guid, int needed, String columns, Function<Row, T> read) {
    String user = p.user().guid();
    String group = p.user().groupGuid();
    return db.first("select b.personal_owner, (select max(r.rule) from ab_rules r where r.book_guid = b.guid and"
            + " (r.target = 'everyone' or r.user_guid = ? or r.group_guid = ?)) as rule" + columns
            + " from address_books b where b.guid = ?",
        r -> {
          String personalOwner = r.getString("personal_owner");
          int rule;
          if (personalOwner != null) {
            rule = personalOwner.equals(user) ? FULL_CONTROL : 0;
          } else {
            rule = Scopes.allows(p, Scopes.ADDRESS_BOOKS) ? FULL_CONTROL : (int) Database.number(r, "rule");
          }
          return new Checked<>(rule, read.apply(r));
        }, user, group == null ? "" : group, guid)
        .compose(c -> {
          if (c == null || c.rule() < READ) {
            return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no such address book"));
          }
          if (c.rule() < needed) {
            return Future.failedFuture(new AccountException(Kind.FORBIDDEN,
                "You have read-only access to this address book"));
          }
          return Future.succeededFuture(c);
        });
  }

  /**
   * The shared books the caller may use, by name: {@code {guid, name, owner, note, rule, info}}
   * with the book's shared password in {@code info.password} when it has one.
   */
  public Future<JsonObject> sharedProfiles(Principal p, String nameFilter, Page page) {
    boolean admin = Scopes.allows(p, Scopes.ADDRESS_BOOKS);
    String group = p.user().groupGuid() == null ? "" : p.user().groupGuid();
    List<Object> args = new ArrayList<>();
    String from;
    if (admin) {
      from = " from address_books b left join users u on u.guid = b.owner_guid where b.personal_owner is null";
    } else {
      from = " from address_books b join (select book_guid, max(rule) as rule from ab_rules where target = 'everyone'"
          + " or user_guid = ? or group_guid = ? group by book_guid) x on x.book_guid = b.guid"
          + " left join users u on u.guid = b.owner_guid where b.personal_owner is null";
      args.add(p.user().guid());
      args.add(group);
    }
    if (nameFilter != null) {
      from += " and b.shared_key like ? escape '\\'";
      args.add(Like.pattern(nameFilter));
    }
    Object[] filter = args.toArray();
    String select = "select b.guid, b.name, b.note, b.password, u.name as owner, "
        + (admin ? FULL_CONTROL + " as rule" : "x.rule") + from;
    return db.first("select count(*) as n" + from, r -> Database.number(r, "n"), filter).compose(total -> {
      List<Object> pageArgs = new ArrayList<>(args);
      pageArgs.add(page.size());
      pageArgs.add(page.offset());
      return db.list(select
              + " order by b.shared_key limit ? offset ?",
          r -> profile(r.getString("guid"), r.getString("name"), r.getString("owner"), r.getString("note"),
              (int) Database.number(r, "rule"), r.getString("password")), pageArgs.toArray())
          .map(rows -> Pages.page(total, rows));
    });
  }

  static JsonObject profile(String guid, String name, String owner, String note, int rule, String password) {
    JsonObject info = new JsonObject();
    if (password != null && !password.isEmpty()) {
      info.put("password", password);
    }
    return new JsonObject().put("guid", guid).put("name", name).put("owner", owner == null ? "" : owner)
        .put("note", note).put("rule", rule).put("info", info);
  }

  // ------------------------------------------------------------------ peers

  /** One page of a book's peers, by ID (the client pulls every page after each change: two round trips a page). */
  public Future<JsonObject> peers(Principal p, String book, Page page) {
    return access(p, book, READ, ", (select count(*) from ab_peers c where c.book_guid = b.guid and c.deleted_at = 0)"
            + " as total", r -> Database.number(r, "total")).map(Checked::value)
        .compose(total -> db.list("select id, data, tags from ab_peers where book_guid = ? and deleted_at = 0"
                + " order by id limit ? offset ?",
            r -> PeerFields.shown(r.getString("id"), r.getString("data"), r.getString("tags")),
            book, page.size(), page.offset())
            .map(rows -> Pages.page(total, rows)));
  }

  /** Adds a peer, or replaces the one with its ID (also out of the recycle bin). */
  public Future<Void> addPeer(Principal p, String book, JsonObject body) {
    return guarded(() -> addPeer(p, book, PeerFields.read(body, false)));
  }

  private Future<Void> addPeer(Principal p, String book, PeerFields.Incoming in) {
    List<String> tags = in.tags() == null ? List.of() : in.tags();
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx -> roomFor(tx, book, in.id())
        .compose(v -> upsert(tx, book, in.id(), in.data(), tags))));
  }

  /** Fails CONFLICT when adding {@code id} (not yet in the book) would pass the limit. */
  private Future<Void> roomFor(Database.Tx tx, String book, String id) {
    return tx.first("select deleted_at from ab_peers where book_guid = ? and id = ?",
            r -> Database.number(r, "deleted_at"), book, id)
        .compose(deletedAt -> deletedAt != null && deletedAt == 0 ? Future.succeededFuture()
            : tx.first("select count(*) as n from ab_peers where book_guid = ? and deleted_at = 0",
                r -> Database.number(r, "n"), book).compose(n -> n < config.maxPeersPerBook()
                ? Future.succeededFuture()
                : Future.failedFuture(new AccountException(Kind.CONFLICT, "The address book is full: it holds no more than "
                    + config.maxPeersPerBook() + " peers"))));
  }

  private Future<Void> upsert(Database.Tx tx, String book, String id, JsonObject data, List<String> tags) {
    long now = clock.getAsLong();
    return tx.update("insert into ab_peers (book_guid, id, data, tags, deleted_at, created_at, updated_at)"
            + " values (?, ?, ?, ?, 0, ?, ?) on conflict (book_guid, id) do update set data = excluded.data,"
            + " tags = excluded.tags, deleted_at = 0, updated_at = excluded.updated_at",
        book, id, data.encode(), new JsonArray(new ArrayList<>(tags)).encode(), now, now).mapEmpty();
  }

  /** Changes the fields the update names; a peer not in the book is NOT_FOUND. */
  public Future<Void> updatePeer(Principal p, String book, JsonObject body) {
    return guarded(() -> updatePeer(p, book, PeerFields.read(body, true)));
  }

  private Future<Void> updatePeer(Principal p, String book, PeerFields.Incoming in) {
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx -> tx.first(
            "select data, tags from ab_peers where book_guid = ? and id = ? and deleted_at = 0",
            r -> new String[] {r.getString("data"), r.getString("tags")}, book, in.id())
        .compose(row -> {
          if (row == null) {
            return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no peer " + in.id() + " in this address book"));
          }
          JsonObject data = PeerFields.merged(new JsonObject(row[0]), in.data());
          String tags = in.tags() == null ? row[1] : new JsonArray(new ArrayList<>(in.tags())).encode();
          return tx.update("update ab_peers set data = ?, tags = ?, updated_at = ? where book_guid = ? and id = ?",
              data.encode(), tags, clock.getAsLong(), book, in.id()).mapEmpty();
        })));
  }

  /** Moves these peers to the recycle bin; IDs not in the book are ignored. */
  public Future<Void> deletePeers(Principal p, String book, List<String> ids) {
    long now = clock.getAsLong();
    List<Object[]> rows = new ArrayList<>(ids.size());
    for (String id : ids) {
      rows.add(new Object[] {now, book, id});
    }
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx ->
        tx.batch("update ab_peers set deleted_at = ? where book_guid = ? and id = ? and deleted_at = 0", rows)));
  }

  // ------------------------------------------------------------------ recycle bin

  /** The peers deleted from a book that can still be restored, the latest first, with {@code deleted_at}. */
  public Future<JsonObject> recycleBin(Principal p, String book, Page page) {
    long cutoff = binCutoff();
    long keep = config.recycleBinDays() * DAY_MILLIS;
    return access(p, book, READ_WRITE).compose(a -> db.first(
            "select count(*) as n from ab_peers where book_guid = ? and deleted_at > ?",
            r -> Database.number(r, "n"), book, cutoff)
        .compose(total -> db.list("select id, data, tags, deleted_at from ab_peers where book_guid = ?"
                + " and deleted_at > ? order by deleted_at desc, id limit ? offset ?",
            r -> {
              long deletedAt = Database.number(r, "deleted_at");
              return PeerFields.shown(r.getString("id"), r.getString("data"), r.getString("tags"))
                  .put("deleted_at", deletedAt).put("expires_at", deletedAt + keep);
            }, book, cutoff, page.size(), page.offset())
            .map(rows -> Pages.page(total, rows))));
  }

  /** Puts these peers back into the book; all must be in its recycle bin (NOT_FOUND otherwise). */
  public Future<Void> restore(Principal p, String book, List<String> ids) {
    long cutoff = binCutoff();
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx -> each(ids, id -> tx.first(
            "select deleted_at from ab_peers where book_guid = ? and id = ? and deleted_at > ?",
            r -> Database.number(r, "deleted_at"), book, id, cutoff)
        .compose(found -> found == null
            ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no peer " + id + " in the recycle bin"))
            : roomFor(tx, book, id).compose(v -> tx.update(
                "update ab_peers set deleted_at = 0, updated_at = ? where book_guid = ? and id = ?",
                clock.getAsLong(), book, id))))));
  }

  /** Deletes these peers from the recycle bin for good; IDs not there are ignored. */
  public Future<Void> emptyBin(Principal p, String book, List<String> ids) {
    List<Object[]> rows = new ArrayList<>(ids.size());
    for (String id : ids) {
      rows.add(new Object[] {book, id});
    }
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx ->
        tx.batch("delete from ab_peers where book_guid = ? and id = ? and deleted_at > 0", rows)));
  }

  // ------------------------------------------------------------------ tags

  /** The book's tags {@code [{name, color}]}, in the order they were added. */
  public Future<JsonArray> tags(Principal p, String book) {
    return access(p, book, READ).compose(a -> db.list("select name, color from ab_tags where book_guid = ?"
            + " order by created_at, name",
        r -> new JsonObject().put("name", r.getString("name")).put("color", color(r.getValue("color"))), book))
        .map(rows -> new JsonArray(new ArrayList<>(rows)));
  }

  private static long color(Object stored) {
    return stored == null ? DEFAULT_COLOR : ((Number) stored).longValue();
  }

  /** Adds a tag, or recolours the one with its name. */
  public Future<Void> addTag(Principal p, String book, String name, long color) {
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx -> tx.first(
            "select count(*) as n from ab_tags where book_guid = ?", r -> Database.number(r, "n"), book)
        .compose(n -> n < MAX_TAGS_PER_BOOK ? Future.succeededFuture()
            : tx.first("select name from ab_tags where book_guid = ? and name = ?", r -> r.getString("name"), book,
                name).compose(existing -> existing != null ? Future.succeededFuture()
                : Future.failedFuture(new AccountException(Kind.CONFLICT,
                    "An address book holds no more than " + MAX_TAGS_PER_BOOK + " tags"))))
        .compose(v -> tx.update("insert into ab_tags (book_guid, name, color, created_at) values (?, ?, ?, ?)"
            + " on conflict (book_guid, name) do update set color = excluded.color", book, name, color,
            clock.getAsLong()))
        .mapEmpty()));
  }

  /** Recolours a tag; NOT_FOUND when the book has none of that name. */
  public Future<Void> recolorTag(Principal p, String book, String name, long color) {
    return access(p, book, READ_WRITE).compose(a -> db.update(
            "update ab_tags set color = ? where book_guid = ? and name = ?", color, book, name))
        .compose(n -> n > 0 ? Future.succeededFuture() : noTag(name));
  }

  /** Renames a tag, in the book's peers too (the client re-pulls them and does not rename itself). */
  public Future<Void> renameTag(Principal p, String book, String from, String to) {
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx -> tx.first(
            "select name from ab_tags where book_guid = ? and name = ?", r -> r.getString("name"), book, to)
        .compose(taken -> taken != null && !from.equals(to)
            ? Future.failedFuture(new AccountException(Kind.CONFLICT, "A tag named " + to + " exists"))
            : tx.update("update ab_tags set name = ? where book_guid = ? and name = ?", to, book, from))
        .compose(n -> n > 0 ? retag(tx, book, tags -> {
          List<String> out = new ArrayList<>(tags.size());
          for (String t : tags) {
            out.add(t.equals(from) ? to : t);
          }
          return new ArrayList<>(new LinkedHashSet<>(out));
        }) : noTag(from))));
  }

  /** Deletes tags, from the book's peers too. */
  public Future<Void> deleteTags(Principal p, String book, List<String> names) {
    Set<String> gone = new HashSet<>(names);
    List<Object[]> rows = new ArrayList<>(names.size());
    for (String n : names) {
      rows.add(new Object[] {book, n});
    }
    return access(p, book, READ_WRITE).compose(a -> db.inTransaction(tx ->
        tx.batch("delete from ab_tags where book_guid = ? and name = ?", rows)
            .compose(v -> retag(tx, book, tags -> {
              List<String> out = new ArrayList<>(tags);
              out.removeIf(gone::contains);
              return out;
            }))));
  }

  /** Rewrites the tags of every peer of the book (the recycle bin's too) whose list {@code change} alters. */
  private Future<Void> retag(Database.Tx tx, String book, UnaryOperator<List<String>> change) {
    return tx.list("select id, tags from ab_peers where book_guid = ? and tags <> '[]'",
        r -> new String[] {r.getString("id"), r.getString("tags")}, book).compose(peers -> {
          List<Object[]> rows = new ArrayList<>();
          for (String[] peer : peers) {
            List<String> tags = new ArrayList<>();
            new JsonArray(peer[1]).forEach(t -> tags.add((String) t));
            List<String> changed = change.apply(tags);
            if (!changed.equals(tags)) {
              rows.add(new Object[] {new JsonArray(new ArrayList<>(changed)).encode(), book, peer[0]});
            }
          }
          return tx.batch("update ab_peers set tags = ? where book_guid = ? and id = ?", rows);
        });
  }

  private static <T> Future<T> noTag(String name) {
    return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no tag " + name + " in this address book"));
  }

  // ------------------------------------------------------------------ the legacy API

  /**
   * {@code GET /api/ab}: the caller's personal book as one JSON string, {@code data}:
   * {@code {"tags": [..], "peers": [..], "tag_colors": "<JSON {tag: color}>"}}.
   */
  public Future<JsonObject> legacy(Principal p) {
    return personal(p).compose(book -> Future.all(
            db.list("select name, color from ab_tags where book_guid = ? order by created_at, name",
                r -> new Object[] {r.getString("name"), r.getValue("color")}, book),
            db.list("select id, data, tags from ab_peers where book_guid = ? and deleted_at = 0 order by id",
                r -> PeerFields.shown(r.getString("id"), r.getString("data"), r.getString("tags")), book))
        .map(all -> {
          List<Object[]> tagRows = all.resultAt(0);
          List<JsonObject> peers = all.resultAt(1);
          JsonArray tags = new JsonArray();
          JsonObject colors = new JsonObject();
          for (Object[] t : tagRows) {
            tags.add(t[0]);
            if (t[1] != null) {
              colors.put((String) t[0], ((Number) t[1]).longValue());
            }
          }
          String data = new JsonObject().put("tags", tags).put("peers", new JsonArray(new ArrayList<>(peers)))
              .put("tag_colors", colors.encode()).encode();
          return new JsonObject().put("data", data).put("licensed_devices", config.maxPeersPerBook());
        }));
  }

  /**
   * {@code POST /api/ab}: the whole personal book, replaced: the tags and colours given, the peers
   * given (peers no longer listed go to the recycle bin).
   *
   * @param book   the parsed {@code data} string: {@code tags}, {@code peers}
   * @param colors the parsed {@code tag_colors} string, empty when absent
   */
  public Future<Void> replaceLegacy(Principal p, JsonObject book, JsonObject colors) {
    return guarded(() -> replace(p, book, colors));
  }

  private Future<Void> replace(Principal p, JsonObject book, JsonObject colors) {
    List<String> tags = PeerFields.tags(book.getValue("tags"), "tags", MAX_TAGS_PER_BOOK);
    Object peerList = book.getValue("peers");
    if (peerList != null && !(peerList instanceof JsonArray)) {
      throw PeerFields.bad("peers must be an array");
    }
    JsonArray given = peerList == null ? new JsonArray() : (JsonArray) peerList;
    if (given.size() > config.maxPeersPerBook()) {
      throw new AccountException(Kind.CONFLICT, "The address book is full: it holds no more than "
          + config.maxPeersPerBook() + " peers");
    }
    List<PeerFields.Incoming> peers = new ArrayList<>(given.size());
    for (Object o : given) {
      if (!(o instanceof JsonObject peer)) {
        throw PeerFields.bad("peers must be an array of objects");
      }
      peers.add(PeerFields.read(peer, false));
    }
    List<Object[]> tagRows = new ArrayList<>(tags.size());
    long now = clock.getAsLong();
    for (int i = 0; i < tags.size(); i++) {
      Object c = colors.getValue(tags.get(i));
      // the order of the list is kept through created_at
      tagRows.add(new Object[] {tags.get(i), c == null ? null : PeerFields.color(c), now + i});
    }
    return personal(p).compose(guid -> db.inTransaction(tx -> {
      List<Object[]> peerRows = new ArrayList<>(peers.size());
      for (PeerFields.Incoming in : peers) {
        peerRows.add(new Object[] {guid, in.id(), in.data().encode(),
            new JsonArray(new ArrayList<>(in.tags() == null ? List.of() : in.tags())).encode(), now, now});
      }
      List<Object[]> tagArgs = new ArrayList<>(tagRows.size());
      for (Object[] t : tagRows) {
        tagArgs.add(new Object[] {guid, t[0], t[1], t[2]});
      }
      return tx.update("delete from ab_tags where book_guid = ?", guid)
          .compose(n -> tx.batch("insert into ab_tags (book_guid, name, color, created_at) values (?, ?, ?, ?)",
              tagArgs))
          .compose(v -> tx.update("update ab_peers set deleted_at = ? where book_guid = ? and deleted_at = 0",
              now, guid))
          .compose(n -> tx.batch("insert into ab_peers (book_guid, id, data, tags, deleted_at, created_at,"
              + " updated_at) values (?, ?, ?, ?, 0, ?, ?) on conflict (book_guid, id) do update set"
              + " data = excluded.data, tags = excluded.tags, deleted_at = 0, updated_at = excluded.updated_at",
              peerRows));
    }));
  }

  // ------------------------------------------------------------------ helpers

  /** Runs {@code work}; a request it refuses while checking it becomes a failed future. */
  static <T> Future<T> guarded(java.util.function.Supplier<Future<T>> work) {
    try {
      return work.get();
    } catch (AccountException e) {
      return Future.failedFuture(e);
    }
  }

  static <T> Future<Void> each(List<T> items, Function<T, Future<?>> step) {
    Future<?> f = Future.succeededFuture();
    for (T item : items) {
      f = f.compose(x -> step.apply(item));
    }
    return f.mapEmpty();
  }
}
