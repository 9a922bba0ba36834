package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class SqlitePeerStoreTest {

  /** rustdesk-server's create_tables() text (src/database.rs), kept independent of the store's copy. */
  private static final String[] RUSTDESK_SCHEMA = {
      // indentation as in the Rust source: SQLite keeps this text in sqlite_master
      "\n            create table if not exists peer (\n"
          + "                guid blob primary key not null,\n"
          + "                id varchar(100) not null,\n"
          + "                uuid blob not null,\n"
          + "                pk blob not null,\n"
          + "                created_at datetime not null default(current_timestamp),\n"
          + "                user blob,\n"
          + "                status tinyint,\n"
          + "                note varchar(300),\n"
          + "                info text not null\n"
          + "            ) without rowid;",
      "create unique index if not exists index_peer_id on peer (id);",
      "create index if not exists index_peer_user on peer (user);",
      "create index if not exists index_peer_created_at on peer (created_at);",
      "create index if not exists index_peer_status on peer (status);",
  };

  @TempDir
  Path dir;

  private final List<SqlitePeerStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() throws Exception {
    // the pool must be closed before @TempDir deletes the directory (-wal/-shm are held open)
    for (SqlitePeerStore s : opened) {
      try {
        await(s.close());
      } catch (ExecutionException ignored) {
        // already closed by the test
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // schema

  @Test
  void initOnEmptyDirCreatesRustdeskSchema(Vertx vertx) throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    SqlitePeerStore store = open(vertx, db);
    await(store.init());
    await(store.init()); // twice is harmless
    await(store.ping());
    assertEquals("wal", String.valueOf(await(store.pool().query("PRAGMA journal_mode").execute())
        .iterator().next().getValue(0)).toLowerCase());
    assertEquals(SqlitePeerStore.BUSY_TIMEOUT_MS, ((Number) await(store.pool()
        .query("PRAGMA busy_timeout").execute()).iterator().next().getValue(0)).intValue());
    await(store.close());

    try (Connection c = jdbc(db)) {
      // columns: name -> type, notnull, pk, default
      Map<String, String> cols = new TreeMap<>();
      List<String> order = new ArrayList<>();
      try (ResultSet rs = c.createStatement().executeQuery("PRAGMA table_info(peer)")) {
        while (rs.next()) {
          order.add(rs.getString("name"));
          cols.put(rs.getString("name"), rs.getString("type").toLowerCase() + "|"
              + rs.getInt("notnull") + "|" + rs.getInt("pk") + "|" + rs.getString("dflt_value"));
        }
      }
      assertEquals(List.of("guid", "id", "uuid", "pk", "created_at", "user", "status", "note",
          "info"), order);
      assertEquals("blob|1|1|null", cols.get("guid"));
      assertEquals("varchar(100)|1|0|null", cols.get("id"));
      assertEquals("blob|1|0|null", cols.get("uuid"));
      assertEquals("blob|1|0|null", cols.get("pk"));
      assertEquals("datetime|1|0|current_timestamp", cols.get("created_at").toLowerCase());
      assertEquals("blob|0|0|null", cols.get("user"));
      assertEquals("tinyint|0|0|null", cols.get("status"));
      assertEquals("varchar(300)|0|0|null", cols.get("note"));
      assertEquals("text|1|0|null", cols.get("info"));

      String tableSql = single(c, "select sql from sqlite_master where type='table' and name='peer'");
      assertTrue(tableSql.trim().toLowerCase().endsWith("without rowid"), tableSql);

      // indexes: name -> unique?, columns
      Map<String, String> idx = new TreeMap<>();
      try (ResultSet rs = c.createStatement().executeQuery("PRAGMA index_list(peer)")) {
        while (rs.next()) {
          if (!"c".equals(rs.getString("origin"))) {
            continue; // skip the primary-key index
          }
          idx.put(rs.getString("name"), String.valueOf(rs.getInt("unique")));
        }
      }
      for (String name : idx.keySet()) {
        try (ResultSet rs = c.createStatement().executeQuery("PRAGMA index_info(" + name + ")")) {
          StringBuilder colsOf = new StringBuilder();
          while (rs.next()) {
            colsOf.append(rs.getString("name"));
          }
          idx.put(name, idx.get(name) + "|" + colsOf);
        }
      }
      assertEquals(Map.of(
          "index_peer_id", "1|id",
          "index_peer_user", "0|user",
          "index_peer_created_at", "0|created_at",
          "index_peer_status", "0|status"), idx);
    }
  }

  @Test
  void freshSchemaIsIdenticalToRustdeskServers(Vertx vertx) throws Exception {
    Path ours = dir.resolve("ours.sqlite3");
    Path theirs = dir.resolve("theirs.sqlite3");
    SqlitePeerStore store = open(vertx, ours);
    await(store.init());
    await(store.close());
    createRustdeskDatabase(theirs);
    assertEquals(schemaOf(theirs), schemaOf(ours));
  }

  // ---------------------------------------------------------------------------------------------
  // existing rustdesk-server database

  @Test
  void readsExistingRustdeskDatabase(Vertx vertx) throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    createRustdeskDatabase(db);
    byte[] guid1 = bytes(16, 1);
    byte[] uuid1 = bytes(36, 2);
    byte[] pk1 = bytes(32, 3);
    byte[] guid2 = bytes(16, 4);
    try (Connection c = jdbc(db)) {
      insertRaw(c, guid1, "Abc123", uuid1, pk1, "{\"ip\":\"::ffff:1.2.3.4\"}");
      insertRaw(c, guid2, "abc123", bytes(36, 5), bytes(32, 6), "{\"ip\":\"::ffff:5.6.7.8\"}");
      insertRaw(c, bytes(16, 7), "garbled", bytes(1, 8), bytes(32, 9), "not json");
      insertRaw(c, bytes(16, 10), "noip", bytes(1, 11), bytes(32, 12), "{}");
      insertRaw(c, bytes(16, 13), "numip", bytes(1, 14), bytes(32, 15), "{\"ip\":5}");
    }

    SqlitePeerStore store = open(vertx, db);
    await(store.init()); // existing schema and rows are used as is

    StoredPeer a = await(store.findById("Abc123"));
    assertNotNull(a);
    assertArrayEquals(guid1, a.guid());
    assertEquals("Abc123", a.id());
    assertArrayEquals(uuid1, a.uuid());
    assertArrayEquals(pk1, a.pk());
    assertEquals("::ffff:1.2.3.4", a.ip());

    StoredPeer b = await(store.findById("abc123"));
    assertNotNull(b);
    assertArrayEquals(guid2, b.guid());
    assertEquals("::ffff:5.6.7.8", b.ip());

    assertNull(await(store.findById("ABC123")));
    assertNull(await(store.findById("Abc123 ")));
    assertNull(await(store.findById("missing")));

    assertEquals("", await(store.findById("garbled")).ip());
    assertEquals("", await(store.findById("noip")).ip());
    assertEquals("", await(store.findById("numip")).ip());
  }

  // ---------------------------------------------------------------------------------------------
  // writes

  @Test
  void insertThenFindRoundTrip(Vertx vertx) throws Exception {
    SqlitePeerStore store = initialised(vertx);
    byte[] uuid = bytes(36, 20);
    byte[] pk = bytes(32, 21);
    byte[] guid = await(store.insert("PEER1", uuid, pk, "::ffff:10.0.0.1"));
    assertEquals(16, guid.length);
    assertEquals(4, (guid[6] >> 4) & 0x0f, "UUID version 4");
    assertEquals(2, (guid[8] >> 6) & 0x03, "RFC 4122 variant");

    StoredPeer p = await(store.findById("PEER1"));
    assertArrayEquals(guid, p.guid());
    assertEquals("PEER1", p.id());
    assertArrayEquals(uuid, p.uuid());
    assertArrayEquals(pk, p.pk());
    assertEquals("::ffff:10.0.0.1", p.ip());

    byte[] other = await(store.insert("PEER2", uuid, pk, "1.2.3.4"));
    assertFalse(Arrays.equals(guid, other));

    // what rustdesk-server would read back: info is exactly {"ip":"..."}, created_at is set
    Map<String, Object> row = await(store.pool()
        .query("select info, created_at from peer where id = 'PEER1'").execute())
        .iterator().next().toJson().getMap();
    assertEquals(new JsonObject().put("ip", "::ffff:10.0.0.1"), new JsonObject((String) row.get("info")));
    assertNotNull(row.get("created_at"));
  }

  @Test
  void updateChangesIdPkAndIpAndKeepsOtherInfoKeys(Vertx vertx) throws Exception {
    SqlitePeerStore store = initialised(vertx);
    byte[] uuid = bytes(36, 30);
    byte[] guid = await(store.insert("UPD1", uuid, bytes(32, 31), "x"));
    await(store.pool().query("update peer set info = '{\"ip\":\"x\",\"note\":\"keep\"}'").execute());

    byte[] newPk = bytes(32, 32);
    await(store.update(guid, "UPD1", newPk, "::ffff:9.9.9.9"));
    StoredPeer p = await(store.findById("UPD1"));
    assertArrayEquals(newPk, p.pk());
    assertEquals("::ffff:9.9.9.9", p.ip());
    assertArrayEquals(uuid, p.uuid(), "uuid is never updated");
    assertArrayEquals(guid, p.guid());
    assertEquals(new JsonObject().put("ip", "::ffff:9.9.9.9").put("note", "keep"), infoOf(store, guid));

    // the id moves with the row
    await(store.update(guid, "UPD2", newPk, "::ffff:9.9.9.9"));
    assertNull(await(store.findById("UPD1")));
    assertArrayEquals(guid, await(store.findById("UPD2")).guid());

    // info that is not a JSON object is replaced by a fresh {"ip": ...}
    await(store.pool().query("update peer set info = 'garbage{'").execute());
    await(store.update(guid, "UPD2", newPk, "5.5.5.5"));
    assertEquals(new JsonObject().put("ip", "5.5.5.5"), infoOf(store, guid));
    await(store.pool().query("update peer set info = '[1,2]'").execute());
    await(store.update(guid, "UPD2", newPk, "6.6.6.6"));
    assertEquals(new JsonObject().put("ip", "6.6.6.6"), infoOf(store, guid));
  }

  @Test
  void updateOfUnknownGuidFails(Vertx vertx) throws Exception {
    SqlitePeerStore store = initialised(vertx);
    await(store.insert("KNOWN", bytes(1, 1), bytes(32, 2), "1.1.1.1"));
    Throwable err = failure(store.update(bytes(16, 99), "KNOWN", bytes(32, 3), "2.2.2.2"));
    assertTrue(err.getMessage().contains("0 rows"), err.getMessage());
    assertEquals("1.1.1.1", await(store.findById("KNOWN")).ip(), "nothing changed");
  }

  @Test
  void insertOfDuplicateIdFails(Vertx vertx) throws Exception {
    SqlitePeerStore store = initialised(vertx);
    byte[] guid = await(store.insert("DUP", bytes(1, 1), bytes(32, 2), "1.1.1.1"));
    Throwable err = failure(store.insert("DUP", bytes(1, 3), bytes(32, 4), "2.2.2.2"));
    assertTrue(err.getMessage().toUpperCase().contains("UNIQUE"), err.getMessage());
    assertArrayEquals(guid, await(store.findById("DUP")).guid());

    // an update that would collide with another row's id fails too
    byte[] other = await(store.insert("OTHER", bytes(1, 5), bytes(32, 6), "3.3.3.3"));
    Throwable err2 = failure(store.update(other, "DUP", bytes(32, 6), "3.3.3.3"));
    assertTrue(err2.getMessage().toUpperCase().contains("UNIQUE"), err2.getMessage());

    // NOT NULL constraints surface as well
    assertNotNull(failure(store.insert("NOPK", bytes(1, 7), null, "4.4.4.4")));
  }

  @Test
  void dataSurvivesRestart(Vertx vertx) throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    SqlitePeerStore first = open(vertx, db);
    await(first.init());
    byte[] pk = bytes(32, 40);
    byte[] guid = await(first.insert("KEEPME", bytes(36, 41), pk, "::ffff:7.7.7.7"));
    await(first.update(guid, "KEEPME", bytes(32, 42), "::ffff:8.8.8.8"));
    await(first.close());

    SqlitePeerStore second = open(vertx, db);
    await(second.init());
    StoredPeer p = await(second.findById("KEEPME"));
    assertNotNull(p);
    assertArrayEquals(guid, p.guid());
    assertArrayEquals(bytes(32, 42), p.pk());
    assertEquals("::ffff:8.8.8.8", p.ip());
  }

  // ---------------------------------------------------------------------------------------------
  // threading and failures

  @Test
  void completesOnCallersEventLoopContext(Vertx vertx, VertxTestContext ctx) {
    SqlitePeerStore store = open(vertx, dir.resolve("ctx.sqlite3"));
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> store.init()
        .compose(x -> store.insert("CTX", bytes(1, 1), bytes(32, 2), "1.2.3.4"))
        .compose(g -> store.findById("CTX"))
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          assertEquals("CTX", p.id());
          assertTrue(Context.isOnEventLoopThread());
          assertTrue(Vertx.currentContext() == context, "completed on the caller's context");
          ctx.completeNow();
        }))));
  }

  @Test
  void unopenableFileFailsInit(Vertx vertx) throws Exception {
    Path isDir = Files.createDirectory(dir.resolve("a-directory.sqlite3"));
    SqlitePeerStore store = open(vertx, isDir);
    Throwable err = failure(store.init());
    assertTrue(err.getMessage().contains("cannot initialise SQLite database"), err.getMessage());
    assertTrue(err.getMessage().contains(isDir.toString()), err.getMessage());
    assertNotNull(err.getCause());
    assertNotNull(failure(store.ping()));

    SqlitePeerStore noParent = open(vertx, dir.resolve("no/such/dir/db.sqlite3"));
    Throwable err2 = failure(noParent.init());
    assertTrue(err2.getMessage().contains("no/such/dir"), err2.getMessage());
  }

  @Test
  void operationsAfterCloseFail(Vertx vertx) throws Exception {
    SqlitePeerStore store = initialised(vertx);
    await(store.close());
    assertNotNull(failure(store.ping()));
    assertNotNull(failure(store.findById("x")));
  }

  @Test
  void createRejectsPathWithQuestionMark(Vertx vertx) {
    assertThrows(IllegalArgumentException.class,
        () -> SqlitePeerStore.create(vertx, dir.resolve("a?b.sqlite3")));
  }

  // ---------------------------------------------------------------------------------------------
  // DB_URL parsing

  @Test
  void sqlitePathFromUrl() {
    Path data = Path.of("/var/lib/vertdesk");
    assertEquals(Path.of("/var/lib/vertdesk/db_v2.sqlite3"), SqlitePeerStore.sqlitePathFromUrl(null, data));
    assertEquals(Path.of("/var/lib/vertdesk/db_v2.sqlite3"), SqlitePeerStore.sqlitePathFromUrl("  ", data));
    assertEquals(Path.of("/var/lib/vertdesk/db_v2.sqlite3"),
        SqlitePeerStore.sqlitePathFromUrl("./db_v2.sqlite3", data));
    assertEquals(Path.of("/var/lib/vertdesk/sub/x.db"), SqlitePeerStore.sqlitePathFromUrl("sub/x.db", data));
    assertEquals(Path.of("/data/x.db"), SqlitePeerStore.sqlitePathFromUrl("/data/x.db", data));
    assertEquals(Path.of("/var/lib/x.db"), SqlitePeerStore.sqlitePathFromUrl("../x.db", data));
    // sqlite://path (sqlx form): relative, and absolute with a third slash
    assertEquals(Path.of("/var/lib/vertdesk/db_v2.sqlite3"),
        SqlitePeerStore.sqlitePathFromUrl("sqlite://db_v2.sqlite3", data));
    assertEquals(Path.of("/var/lib/vertdesk/db_v2.sqlite3"),
        SqlitePeerStore.sqlitePathFromUrl("sqlite://./db_v2.sqlite3", data));
    assertEquals(Path.of("/data/db_v2.sqlite3"),
        SqlitePeerStore.sqlitePathFromUrl("sqlite:///data/db_v2.sqlite3", data));
    // sqlite:path
    assertEquals(Path.of("/var/lib/vertdesk/peers.db"), SqlitePeerStore.sqlitePathFromUrl("sqlite:peers.db", data));
    assertEquals(Path.of("/data/peers.db"), SqlitePeerStore.sqlitePathFromUrl("sqlite:/data/peers.db", data));
    // scheme is case-insensitive, sqlx query options are dropped, whitespace trimmed
    assertEquals(Path.of("/data/peers.db"),
        SqlitePeerStore.sqlitePathFromUrl(" SQLITE:///data/peers.db?mode=rwc ", data));
    assertEquals(Path.of("/var/lib/vertdesk/peers.db"),
        SqlitePeerStore.sqlitePathFromUrl("sqlite:peers.db?mode=rwc&cache=shared", data));
    // no file at all
    assertThrows(IllegalArgumentException.class, () -> SqlitePeerStore.sqlitePathFromUrl("sqlite://", data));
    assertThrows(IllegalArgumentException.class, () -> SqlitePeerStore.sqlitePathFromUrl("sqlite:", data));
    assertThrows(IllegalArgumentException.class, () -> SqlitePeerStore.sqlitePathFromUrl("sqlite::memory:", data));
    assertThrows(IllegalArgumentException.class, () -> SqlitePeerStore.sqlitePathFromUrl(":memory:", data));
  }

  @Test
  void createFromUrlResolvesAgainstDataDir(Vertx vertx) throws Exception {
    SqlitePeerStore store = SqlitePeerStore.create(vertx, "sqlite://peers.sqlite3", dir);
    opened.add(store);
    assertEquals(dir.resolve("peers.sqlite3").toAbsolutePath(), store.file());
    await(store.init());
    assertTrue(Files.isRegularFile(dir.resolve("peers.sqlite3")));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private SqlitePeerStore open(Vertx vertx, Path db) {
    SqlitePeerStore s = SqlitePeerStore.create(vertx, db);
    opened.add(s);
    return s;
  }

  private SqlitePeerStore initialised(Vertx vertx) throws Exception {
    SqlitePeerStore s = open(vertx, dir.resolve("db_v2.sqlite3"));
    await(s.init());
    return s;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(f));
    return e.getCause();
  }

  private static JsonObject infoOf(SqlitePeerStore store, byte[] guid) throws Exception {
    var rows = await(store.pool().preparedQuery("select info from peer where guid = ?")
        .execute(io.vertx.sqlclient.Tuple.of(guid)));
    return new JsonObject(rows.iterator().next().getString("info"));
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  private static Connection jdbc(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  private static void createRustdeskDatabase(Path db) throws SQLException {
    try (Connection c = jdbc(db); Statement st = c.createStatement()) {
      for (String ddl : RUSTDESK_SCHEMA) {
        st.executeUpdate(ddl);
      }
    }
  }

  private static void insertRaw(Connection c, byte[] guid, String id, byte[] uuid, byte[] pk,
      String info) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "insert into peer (guid, id, uuid, pk, info) values (?, ?, ?, ?, ?)")) {
      ps.setBytes(1, guid);
      ps.setString(2, id);
      ps.setBytes(3, uuid);
      ps.setBytes(4, pk);
      ps.setString(5, info);
      ps.executeUpdate();
    }
  }

  private static Map<String, String> schemaOf(Path db) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (Connection c = jdbc(db);
        ResultSet rs = c.createStatement().executeQuery(
            "select type, name, tbl_name, sql from sqlite_master order by name")) {
      while (rs.next()) {
        out.put(rs.getString("type") + ":" + rs.getString("name"),
            rs.getString("tbl_name") + "|" + rs.getString("sql"));
      }
    }
    return out;
  }

  private static String single(Connection c, String sql) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      assertTrue(rs.next(), sql);
      return rs.getString(1);
    }
  }
}
