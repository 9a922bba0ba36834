package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link PeerStoreContractTest} on SQLite, plus what only SQLite has: byte-for-byte the
 * rustdesk-server schema, WAL, existing {@code db_v2.sqlite3} files and {@code DB_URL} paths.
 */
class SqlitePeerStoreTest extends PeerStoreContractTest {

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

  @Override
  protected PeerStore createStore(Vertx vertx) {
    return SqlitePeerStore.create(vertx, dir.resolve("db_v2.sqlite3"));
  }

  @Override
  protected PeerStore createStoreOnSameDatabase(Vertx vertx) {
    return SqlitePeerStore.create(vertx, dir.resolve("db_v2.sqlite3"));
  }

  @Override
  protected PeerStore createBrokenStore(Vertx vertx) throws Exception {
    // a directory where the database file should be
    return SqlitePeerStore.create(vertx, Files.createDirectory(dir.resolve("a-directory.sqlite3")));
  }

  @Override
  protected String brokenStoreName() {
    return dir.resolve("a-directory.sqlite3").toString();
  }

  @Override
  protected Future<RowSet<Row>> sql(PeerStore store, String sql) {
    return ((SqlitePeerStore) store).pool().query(sql).execute();
  }

  @Override
  protected void insertRaw(PeerStore store, byte[] guid, String id, byte[] uuid, byte[] pk, String info)
      throws Exception {
    try (Connection c = jdbc(((SqlitePeerStore) store).file())) {
      insertRaw(c, guid, id, uuid, pk, info);
    }
  }

  @Override
  protected String infoText(PeerStore store, byte[] guid) throws Exception {
    var rows = await(((SqlitePeerStore) store).pool().preparedQuery("select info from peer where guid = ?")
        .execute(io.vertx.sqlclient.Tuple.of(guid)));
    return rows.iterator().next().getString("info");
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

    assertRowsOfOthersRead(store, guid1, uuid1, pk1, guid2);
  }

  // ---------------------------------------------------------------------------------------------
  // failures

  @Test
  void missingParentDirectoryFailsInit(Vertx vertx) throws Exception {
    SqlitePeerStore noParent = open(vertx, dir.resolve("no/such/dir/db.sqlite3"));
    Throwable err = failure(noParent.init());
    assertTrue(err.getMessage().contains("cannot initialise SQLite database"), err.getMessage());
    assertTrue(err.getMessage().contains("no/such/dir"), err.getMessage());
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
    SqlitePeerStore store = track(SqlitePeerStore.create(vertx, "sqlite://peers.sqlite3", dir));
    assertEquals(dir.resolve("peers.sqlite3").toAbsolutePath(), store.file());
    await(store.init());
    assertTrue(Files.isRegularFile(dir.resolve("peers.sqlite3")));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private SqlitePeerStore open(Vertx vertx, Path db) {
    return track(SqlitePeerStore.create(vertx, db));
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
