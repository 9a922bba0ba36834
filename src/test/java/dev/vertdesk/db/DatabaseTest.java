package dev.vertdesk.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.accounts.UserStore;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one data layer on both engines: the migrations run beside rustdesk-server's peer table, and
 * the same statements read and write the same way on SQLite and on PostgreSQL.
 */
class DatabaseTest {

  @TempDir
  Path dir;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static Stream<Arguments> engines() {
    return Stream.of(Arguments.of("sqlite"), Arguments.of("postgresql"));
  }

  private PeerStores.Location location(String engine) {
    return engine.equals("sqlite") ? PeerStores.locate("db_v2.sqlite3", dir)
        : PeerStores.locate(EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema()), dir);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void migrationsRunBesideThePeerTableAndTheSameStatementsWorkOnBoth(String engine) throws Exception {
    PeerStores.Location where = location(engine);
    // a rustdesk-server database first: the peer table exists before our schema
    PeerStore peers = PeerStores.open(vertx, where, dev.vertdesk.config.StoreOptions.defaults());
    await(peers.init());
    await(peers.insert("123456789", new byte[] {1}, new byte[] {2}, "192.0.2.1"));

    Database db = await(Database.open(vertx, where));
    try {
      assertEquals(engine.equals("sqlite") ? Database.Dialect.SQLITE : Database.Dialect.POSTGRES, db.dialect());
      assertTrue(await(peers.findById("123456789")) != null, "the peer table is left as it was");

      UserStore users = new UserStore(db);
      User u = await(users.create("Ünïcode Name", "hash", true, "u@example.org", "note with 'quotes' and ?"));
      assertEquals("Ünïcode Name", u.name());
      assertTrue(u.admin(), "booleans read back");
      assertEquals(User.NORMAL, u.status());
      assertEquals(u.guid(), await(users.byName("ÜNÏCODE NAME")).guid(), "names are case-insensitive");
    } finally {
      await(db.close());
      await(peers.close());
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void aTakenNameIsAConflictAndTokensRoundTrip(String engine) throws Exception {
    PeerStores.Location where = location(engine);
    Database db = await(Database.open(vertx, where));
    try {
      UserStore users = new UserStore(db);
      User u = await(users.create("alice", "hash", false, "", ""));
      Throwable clash = users.create("ALICE", "h", false, "", "").transform(ar -> Future.succeededFuture(ar.cause()))
          .await(20, TimeUnit.SECONDS);
      assertTrue(clash instanceof AccountException a && a.kind() == AccountException.Kind.CONFLICT, String.valueOf(clash));

      TokenStore tokens = new TokenStore(db);
      String token = await(tokens.issue("session", u.guid(), "", "", new JsonObject().put("id", "1"),
          System.currentTimeMillis() + 60_000));
      assertEquals(64, TokenStore.hash(token).length(), "only its SHA-256 is kept");
      assertEquals(1, (int) await(db.first("select count(*) as n from access_tokens where token_hash = ?",
          r -> (int) Database.number(r, "n"), TokenStore.hash(token))));
      assertEquals(0, (int) await(db.first("select count(*) as n from access_tokens where token_hash = ?",
          r -> (int) Database.number(r, "n"), token)), "never the token itself");
      assertTrue(await(tokens.revoke(TokenStore.hash(token))));

      // a second open is a no-op for the schema
      Database again = await(Database.open(vertx, where));
      assertEquals(List.of("alice"), await(again.list("select name from users order by name", r -> r.getString("name"))));
      await(again.close());
    } finally {
      await(db.close());
    }
  }

  @org.junit.jupiter.api.Test
  void placeholdersAreNumberedForPostgresOutsideQuotes() {
    assertEquals("select * from t where a = $1 and b = '?' and c = $2 and \"d?\" = $3",
        Database.numbered("select * from t where a = ? and b = '?' and c = ? and \"d?\" = ?"));
  }
}
