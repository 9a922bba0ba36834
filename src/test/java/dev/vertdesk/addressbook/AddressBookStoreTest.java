package dev.vertdesk.addressbook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.LoginLog;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.accounts.UserStore;
import dev.vertdesk.config.AddressBooksConfig;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.db.Database;
import dev.vertdesk.db.Page;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The address books on both engines, without sockets: pages cover every peer once, tag colours
 * come back exactly (unsigned 32 bits), a tag renamed or deleted changes the peers, rules decide
 * who reads and writes, deleted peers wait in the recycle bin until they expire, and the legacy
 * whole-book format round-trips.
 */
class AddressBookStoreTest {

  private static final long DAY = 86_400_000L;

  @TempDir
  Path dir;

  private Vertx vertx;
  private Database db;
  private AccountService accounts;
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (accounts != null) {
      await(accounts.stop());
    }
    if (db != null) {
      await(db.close());
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(30, TimeUnit.SECONDS);
  }

  /** The failure of {@code f}, which must fail with an AccountException of this kind. */
  private static AccountException refused(Future<?> f, AccountException.Kind kind) throws Exception {
    Throwable t = f.transform(ar -> Future.succeededFuture(ar.cause())).await(30, TimeUnit.SECONDS);
    assertTrue(t instanceof AccountException a && a.kind() == kind, String.valueOf(t));
    return (AccountException) t;
  }

  private AddressBookService open(String engine, int maxPeers) throws Exception {
    PeerStores.Location where = engine.equals("sqlite") ? PeerStores.locate("db_v2.sqlite3", dir)
        : PeerStores.locate(EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema()), dir);
    db = await(Database.open(vertx, where));
    NodeConfig config = NodeConfig.load(new JsonObject().put("dataDir", dir.toString()), Map.of());
    accounts = new AccountService(vertx, config.accounts(), new UserStore(db), new TokenStore(db), new LoginLog(db),
        null, null, null);
    await(accounts.start());
    return new AddressBookService(vertx, db, new AddressBooksConfig(true, maxPeers, 30), now::get);
  }

  /** A signed-in user (a session), created in the database, optionally in a user group. */
  private Principal user(String name, boolean admin, String group) throws Exception {
    UserAdmin users = new UserAdmin(vertx, db, accounts, new TokenStore(db));
    JsonObject made = await(users.create(new UserAdmin.NewUser(name, "password-" + name, "", "", "", admin,
        group == null ? "" : group)));
    String groupGuid = group == null ? null
        : await(db.first("select group_guid from users where guid = ?", r -> r.getString("group_guid"),
            made.getString("guid")));
    User u = new User(made.getString("guid"), name, "", "", "", null, admin, User.NORMAL, groupGuid, null, false, 0, 0,
        0, 0, 0);
    return new Principal("hash-" + name, Principal.SESSION, u, Set.of(), Long.MAX_VALUE);
  }

  private static List<JsonObject> data(JsonObject page) {
    List<JsonObject> out = new ArrayList<>();
    page.getJsonArray("data").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  private static List<String> ids(JsonObject page) {
    return data(page).stream().map(p -> p.getString("id")).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void personalBooksPageTagAndRecycleAlikeOnBothEngines(String engine) throws Exception {
    AddressBookService books = open(engine, 300);
    Principal alice = user("alice", false, null);
    String book = await(books.personal(alice));
    assertEquals(book, await(books.personal(alice)), "one personal book per user");

    // 250 peers over pages of 100: each once, total an integer on every page
    for (int i = 0; i < 250; i++) {
      await(books.addPeer(alice, book, new JsonObject().put("id", String.format("%09d", i)).put("alias", "pc " + i)
          .put("hash", "h" + i).put("tags", new JsonArray().add(i % 2 == 0 ? "even" : "odd"))));
    }
    List<String> seen = new ArrayList<>();
    for (int current = 1; current <= 3; current++) {
      JsonObject page = await(books.peers(alice, book, new Page(current, 100)));
      assertInstanceOf(Long.class, page.getValue("total"));
      assertEquals(250L, page.getLong("total"));
      seen.addAll(ids(page));
    }
    assertEquals(250, Set.copyOf(seen).size());
    JsonObject first = data(await(books.peers(alice, book, new Page(1, 1)))).get(0);
    assertEquals("000000000", first.getString("id"));
    assertEquals("h0", first.getString("hash"), "the personal book keeps the hash as sent");
    assertEquals(new JsonArray().add("even"), first.getJsonArray("tags"));

    // colours: unsigned 32-bit, kept exactly
    await(books.addTag(alice, book, "even", 0xFFFFFFFFL));
    await(books.addTag(alice, book, "odd", 0x80000000L));
    await(books.recolorTag(alice, book, "odd", 0xFF00FF00L));
    JsonArray tags = await(books.tags(alice, book));
    assertEquals(4294967295L, tags.getJsonObject(0).getLong("color"));
    assertEquals(4278255360L, tags.getJsonObject(1).getLong("color"));
    refused(books.recolorTag(alice, book, "none", 1), AccountException.Kind.NOT_FOUND);

    // rename and delete reach into the peers
    await(books.renameTag(alice, book, "even", "pair"));
    assertEquals(new JsonArray().add("pair"), data(await(books.peers(alice, book, new Page(1, 1)))).get(0)
        .getJsonArray("tags"));
    refused(books.renameTag(alice, book, "odd", "pair"), AccountException.Kind.CONFLICT);
    await(books.deleteTags(alice, book, List.of("odd")));
    assertEquals(new JsonArray(), data(await(books.peers(alice, book, new Page(2, 1)))).get(0).getJsonArray("tags"));
    assertEquals(1, await(books.tags(alice, book)).size());

    // update: named fields change, null removes, the rest stays
    await(books.updatePeer(alice, book, new JsonObject().put("id", "000000001").put("alias", "renamed")
        .putNull("hash")));
    JsonObject updated = data(await(books.peers(alice, book, new Page(2, 1)))).get(0);
    assertEquals("renamed", updated.getString("alias"));
    assertNull(updated.getValue("hash"));
    refused(books.updatePeer(alice, book, new JsonObject().put("id", "nope")), AccountException.Kind.NOT_FOUND);

    // the limit: 300; the 301st is refused, replacing one is not
    for (int i = 250; i < 300; i++) {
      await(books.addPeer(alice, book, new JsonObject().put("id", String.format("%09d", i))));
    }
    refused(books.addPeer(alice, book, new JsonObject().put("id", "one-too-many")), AccountException.Kind.CONFLICT);
    await(books.addPeer(alice, book, new JsonObject().put("id", "000000000").put("alias", "again")));

    // recycle bin: deleted peers leave the pull, can be restored, expire after 30 days
    await(books.deletePeers(alice, book, List.of("000000000", "000000002", "never-there")));
    assertEquals(298L, await(books.peers(alice, book, new Page(1, 10))).getLong("total"));
    JsonObject bin = await(books.recycleBin(alice, book, new Page(1, 100)));
    assertEquals(Set.of("000000000", "000000002"), Set.copyOf(ids(bin)));
    await(books.restore(alice, book, List.of("000000000")));
    assertEquals(299L, await(books.peers(alice, book, new Page(1, 10))).getLong("total"));
    refused(books.restore(alice, book, List.of("000000003")), AccountException.Kind.NOT_FOUND);
    now.addAndGet(31 * DAY);
    assertEquals(0L, await(books.recycleBin(alice, book, new Page(1, 100))).getLong("total"), "expired");
    refused(books.restore(alice, book, List.of("000000002")), AccountException.Kind.NOT_FOUND);
    assertEquals(1, await(books.purgeExpired()));
    assertEquals(0L, (long) await(db.<Long>first("select count(*) as n from ab_peers where deleted_at > 0",
        r -> Database.number(r, "n"))));

    // nobody else reaches a personal book
    Principal bob = user("bob", false, null);
    refused(books.peers(bob, book, new Page(1, 10)), AccountException.Kind.NOT_FOUND);
    refused(books.addPeer(bob, book, new JsonObject().put("id", "x")), AccountException.Kind.NOT_FOUND);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void rulesDecideWhoSeesAndWritesASharedBook(String engine) throws Exception {
    AddressBookService books = open(engine, 1000);
    Principal admin = user("root", true, null);
    new GroupAdmin(db, accounts).create(GroupAdmin.Kind.USER, "Ops", "").await(30, TimeUnit.SECONDS);
    Principal reader = user("reader", false, null);
    Principal operator = user("operator", false, "Ops");
    Principal stranger = user("stranger", false, null);
    SharedBooks shared = books.shared();
    String book = await(shared.create(admin.user().guid(), "Servers", "racks", "s3cret")).getString("guid");
    refused(shared.create(admin.user().guid(), "SERVERS", "", ""), AccountException.Kind.CONFLICT);
    refused(shared.create(admin.user().guid(), "My Address Book", "", ""), AccountException.Kind.BAD_REQUEST);
    await(shared.addRule(book, AddressBookService.READ, "reader", null));
    now.incrementAndGet(); // rules are listed in the order they were made
    JsonObject groupRule = await(shared.addRule(book, AddressBookService.READ_WRITE, null, "ops"));
    refused(shared.addRule(book, AddressBookService.READ, "READER", null), AccountException.Kind.CONFLICT);
    refused(shared.addRule(book, AddressBookService.READ, "nobody", null), AccountException.Kind.NOT_FOUND);

    // what each one lists
    JsonObject readerView = data(await(books.sharedProfiles(reader, null, new Page(1, 100)))).get(0);
    assertEquals("Servers", readerView.getString("name"));
    assertEquals(1, readerView.getInteger("rule"));
    assertEquals("root", readerView.getString("owner"));
    assertEquals("s3cret", readerView.getJsonObject("info").getString("password"));
    assertEquals(2, data(await(books.sharedProfiles(operator, null, new Page(1, 100)))).get(0).getInteger("rule"));
    assertEquals(3, data(await(books.sharedProfiles(admin, null, new Page(1, 100)))).get(0).getInteger("rule"));
    assertEquals(0L, await(books.sharedProfiles(stranger, null, new Page(1, 100))).getLong("total"));
    assertEquals(0L, await(books.sharedProfiles(admin, "%' or 1=1 --%", new Page(1, 100))).getLong("total"));

    // the operator writes (a per-peer password, kept as sent); the reader reads it and may not write
    await(books.addPeer(operator, book, new JsonObject().put("id", "123456789").put("password", "peer-pw")));
    assertEquals("peer-pw", data(await(books.peers(reader, book, new Page(1, 10)))).get(0).getString("password"));
    AccountException readOnly = refused(books.addPeer(reader, book, new JsonObject().put("id", "987654321")),
        AccountException.Kind.FORBIDDEN);
    assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
    refused(books.deletePeers(reader, book, List.of("123456789")), AccountException.Kind.FORBIDDEN);
    refused(books.addTag(reader, book, "t", 1), AccountException.Kind.FORBIDDEN);
    refused(books.peers(stranger, book, new Page(1, 10)), AccountException.Kind.NOT_FOUND);

    // everyone may read once a rule says so; the higher rule wins
    now.incrementAndGet();
    await(shared.addRule(book, AddressBookService.READ, null, null));
    assertEquals(1L, await(books.sharedProfiles(stranger, null, new Page(1, 100))).getLong("total"));
    assertEquals(2, data(await(books.sharedProfiles(operator, null, new Page(1, 100)))).get(0).getInteger("rule"));
    await(shared.changeRule(groupRule.getString("guid"), AddressBookService.READ));
    refused(books.addPeer(operator, book, new JsonObject().put("id", "555555555")), AccountException.Kind.FORBIDDEN);

    JsonObject rules = await(shared.rules(book, new Page(1, 100)));
    assertEquals(3L, rules.getLong("total"));
    assertEquals("reader", data(rules).get(0).getString("user"));
    assertEquals("Ops", data(rules).get(1).getString("group"));
    assertNull(data(rules).get(2).getValue("user"));
    await(shared.deleteRules(List.of(groupRule.getString("guid"))));
    refused(shared.deleteRules(List.of(groupRule.getString("guid"))), AccountException.Kind.NOT_FOUND);

    // a device put into the book by name, with a tag new to the book
    await(shared.place("222333444", new SharedBooks.Placement("servers", "db-1", "db", "pw", "note"),
        Map.of("hostname", "db-host", "username", "", "platform", "Linux")));
    JsonObject placed = data(await(books.peers(admin, book, new Page(1, 10)))).stream()
        .filter(p -> p.getString("id").equals("222333444")).findFirst().orElseThrow();
    assertEquals("db-1", placed.getString("alias"));
    assertEquals("db-host", placed.getString("hostname"));
    assertEquals(new JsonArray().add("db"), placed.getJsonArray("tags"));
    assertEquals("db", await(books.tags(admin, book)).getJsonObject(0).getString("name"));
    refused(shared.place("222333444", new SharedBooks.Placement("no such book", "", "", "", ""), Map.of()),
        AccountException.Kind.NOT_FOUND);

    // renamed, then deleted with everything in it
    await(shared.update(book, new SharedBooks.Changes("Racks", null, "", null)));
    assertEquals("", await(shared.get(book)).getString("owner"));
    await(shared.delete(List.of(book)));
    refused(books.peers(admin, book, new Page(1, 10)), AccountException.Kind.NOT_FOUND);
    assertEquals(0L, (long) await(db.<Long>first("select count(*) as n from ab_peers", r -> Database.number(r, "n"))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void theLegacyWholeBookRoundTrips(String engine) throws Exception {
    AddressBookService books = open(engine, 1000);
    Principal carol = user("carol", false, null);
    JsonObject book = new JsonObject()
        .put("tags", new JsonArray().add("work").add("home"))
        .put("peers", new JsonArray()
            .add(new JsonObject().put("id", "111111111").put("username", "u").put("hostname", "h")
                .put("platform", "Windows").put("alias", "a").put("tags", new JsonArray().add("work")).put("hash", "xyz"))
            .add(new JsonObject().put("id", "222222222").put("tags", new JsonArray())));
    await(books.replaceLegacy(carol, book, new JsonObject().put("work", 4278190335L)));
    JsonObject answer = await(books.legacy(carol));
    JsonObject data = new JsonObject(answer.getString("data"));
    assertEquals(new JsonArray().add("work").add("home"), data.getJsonArray("tags"));
    assertEquals(new JsonObject().put("work", 4278190335L), new JsonObject(data.getString("tag_colors")));
    JsonObject peer = data.getJsonArray("peers").getJsonObject(0);
    assertEquals("xyz", peer.getString("hash"));
    assertEquals("Windows", peer.getString("platform"));
    assertEquals(2, data.getJsonArray("peers").size());

    // the same book is the personal one of the current API; a peer left out goes to the recycle bin
    String guid = await(books.personal(carol));
    assertEquals(2L, await(books.peers(carol, guid, new Page(1, 10))).getLong("total"));
    await(books.replaceLegacy(carol, new JsonObject().put("tags", new JsonArray()).put("peers",
        new JsonArray().add(new JsonObject().put("id", "222222222"))), new JsonObject()));
    assertEquals(List.of("222222222"), ids(await(books.peers(carol, guid, new Page(1, 10)))));
    assertEquals(List.of("111111111"), ids(await(books.recycleBin(carol, guid, new Page(1, 10)))));
    assertEquals(0, await(books.tags(carol, guid)).size());
  }
}
