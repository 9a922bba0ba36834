package dev.vertdesk.store;

import static dev.vertdesk.store.PeerStoreContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code db.url} / {@code DB_URL} picks the store; unusable values are config errors. */
@ExtendWith(VertxExtension.class)
class PeerStoresTest {

  @TempDir
  Path dir;

  private final List<PeerStore> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (PeerStore s : opened) {
      await(s.close());
    }
  }

  private PeerStores.Location locate(String dbUrl) {
    return PeerStores.locate(dbUrl == null ? SqlitePeerStore.DEFAULT_DB_FILE : dbUrl, dir);
  }

  private PeerStore open(Vertx vertx, String dbUrl) {
    PeerStore s = PeerStores.open(vertx, locate(dbUrl), dev.vertdesk.config.StoreOptions.defaults());
    opened.add(s);
    return s;
  }

  @Test
  void sqliteForPathsAndSqliteUrls(Vertx vertx) {
    PeerStore byDefault = open(vertx, null);
    assertEquals(dir.resolve("db_v2.sqlite3").toAbsolutePath(), assertInstanceOf(SqlitePeerStore.class, byDefault).file());
    assertEquals(dir.resolve("sub/peers.db").toAbsolutePath(),
        assertInstanceOf(SqlitePeerStore.class, open(vertx, "sub/peers.db")).file());
    assertEquals(Path.of("/data/x.sqlite3"),
        assertInstanceOf(SqlitePeerStore.class, open(vertx, "sqlite:///data/x.sqlite3?mode=rwc")).file());
    assertEquals(dir.resolve("p.db").toAbsolutePath(),
        assertInstanceOf(SqlitePeerStore.class, open(vertx, "sqlite:p.db")).file());
    // a file named like a scheme without "://" is still a file
    assertInstanceOf(SqlitePeerStore.class, open(vertx, "postgres.db"));
  }

  @Test
  void postgresForPostgresUrls(Vertx vertx) {
    // nothing is connected yet: the host need not exist
    PgPeerStore a = assertInstanceOf(PgPeerStore.class,
        open(vertx, "postgres://rd:secret@db.invalid:5432/rustdesk"));
    assertEquals("postgresql://rd@db.invalid:5432/rustdesk", a.describe());
    assertEquals(PgPeerStore.DEFAULT_POOL_SIZE, a.poolSize());
    PgPeerStore b = assertInstanceOf(PgPeerStore.class,
        open(vertx, "postgresql://rd:secret@10.0.0.5:6000/rustdesk?pool_size=16"));
    assertEquals(16, b.poolSize());
    assertFalse(b.toString().contains("secret"), b.toString());
    assertInstanceOf(PgPeerStore.class, open(vertx, "PostgreSQL://rd@10.0.0.5/rustdesk"));
  }

  @Test
  void postgresUrlReachesARealServer(Vertx vertx) throws Exception {
    String schema = EmbeddedPg.newSchema();
    PeerStore store = open(vertx, EmbeddedPg.url("search_path=" + schema));
    assertInstanceOf(PgPeerStore.class, store);
    await(store.init());
    byte[] guid = await(store.insert("VIA_CONFIG", new byte[] {1}, new byte[] {2}, "1.2.3.4"));
    assertEquals(16, guid.length);
    assertEquals("1.2.3.4", await(store.findById("VIA_CONFIG")).ip());
  }

  @Test
  void badUrlsAreConfigErrorsNamingTheKey(Vertx vertx) {
    String pw = "Sup3rSecret";
    for (String url : List.of(
        "postgres://u:" + pw + "@h:99999/db",
        "postgresql://u:" + pw + "@h",
        "postgres://h/db",
        "postgres://u:" + pw + "@h/db?pool_size=0",
        "postgres://u:" + pw + "@h/db?nope=1",
        "mysql://u:" + pw + "@h/db",
        "file:///var/lib/db.sqlite3",
        "sqlite::memory:",
        "sqlite://")) {
      ConfigException e = assertThrows(ConfigException.class, () -> locate(url), url);
      assertTrue(e.getMessage().startsWith("config key 'db.url': "), e.getMessage());
      assertFalse(e.getMessage().contains(pw), e.getMessage());
    }
    ConfigException e = assertThrows(ConfigException.class,
        () -> locate("mysql://u:" + pw + "@h/db"));
    assertTrue(e.getMessage().contains("'mysql'") && e.getMessage().contains("DB_URL"), e.getMessage());
  }

  @Test
  void nothingIsCreatedBeforeInit(Vertx vertx) throws Exception {
    open(vertx, "lazy.sqlite3");
    assertFalse(Files.exists(dir.resolve("lazy.sqlite3")));
  }
}
