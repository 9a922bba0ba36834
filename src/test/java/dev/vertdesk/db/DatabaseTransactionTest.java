package dev.vertdesk.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.vertdesk.store.PeerStores;
import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A transaction that fails (a unique key, say) is rolled back alone: what was written before and
 * after it stays written, on both engines, also when another transaction fails later.
 */
class DatabaseTransactionTest {

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

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    return f.transform(ar -> Future.succeededFuture(ar.cause())).await(20, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aFailedTransactionTakesNothingElseWithIt(String engine) throws Exception {
    PeerStores.Location where = engine.equals("sqlite") ? PeerStores.locate("db_v2.sqlite3", dir)
        : PeerStores.locate(EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema()), dir);
    Database db = await(Database.open(vertx, where));
    try {
      await(db.update("insert into device_groups (guid, name, name_key, created_at) values ('a', 'a', 'a', 0)"));
      assertNotNull(failure(db.inTransaction(tx -> tx.update("insert into device_groups (guid, name, name_key,"
              + " created_at) values ('b', 'b', 'b', 0)")
          .compose(n -> tx.update("insert into device_groups (guid, name, name_key, created_at)"
              + " values ('a', 'a', 'a', 0)")))), "a duplicate key fails the transaction");
      await(db.update("insert into device_groups (guid, name, name_key, created_at) values ('c', 'c', 'c', 0)"));
      assertNotNull(failure(db.inTransaction(tx -> tx.update("insert into device_groups (guid, name, name_key,"
          + " created_at) values ('a', 'a', 'a', 0)"))));
      await(db.inTransaction(tx -> tx.update("insert into device_groups (guid, name, name_key, created_at)"
          + " values ('d', 'd', 'd', 0)")));
      assertEquals(List.of("a", "c", "d"), await(db.list("select guid from device_groups order by guid",
          r -> r.getString("guid"))), "b rolled back, c and d kept");
    } finally {
      await(db.close());
    }
  }
}
