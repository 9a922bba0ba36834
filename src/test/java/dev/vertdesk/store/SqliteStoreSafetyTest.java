package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store's own safety nets: quick_check at start, and writes that fail, and readiness
 * that follows, while the database file is not the one the writer has open.
 */
class SqliteStoreSafetyTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private SqlitePeerStore store(Path file, int probeSeconds) {
    return SqlitePeerStore.create(vertx, file, new StoreOptions(1_000, 1_000, probeSeconds, 30));
  }

  @Test
  void aDamagedDatabaseStopsTheStartNamingTheFileAndHowToRecover() throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    SqlitePeerStore first = store(db, 60);
    await(first.init());
    await(first.close());
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into peer (guid, id, uuid, pk, info) values (?, ?, ?, ?, ?)")) {
        for (int i = 0; i < 3_000; i++) {
          ps.setBytes(1, SqlitePeerStore.newGuid());
          ps.setString(2, "device" + i);
          ps.setBytes(3, new byte[16]);
          ps.setBytes(4, new byte[32]);
          ps.setString(5, "{\"ip\":\"10.0.0.1\"}");
          ps.executeUpdate();
        }
      }
      c.commit();
    }
    long pages = Files.size(db) / 4096;
    assertTrue(pages > 20, pages + " pages");
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      byte[] garbage = new byte[4096];
      Arrays.fill(garbage, (byte) 0xA5);
      f.seek(4096 * (pages / 2)); // a b-tree page in the middle; the schema on page 1 stays readable
      f.write(garbage);
    }

    SqlitePeerStore damaged = store(db, 60);
    Throwable e = assertThrows(ExecutionException.class, () -> await(damaged.init())).getCause();
    String m = e.getMessage();
    assertTrue(m.contains(db.toString()) && m.contains("damaged") && m.contains("quick_check"), m);
    assertTrue(m.contains(".recover") && m.contains("backup"), "says how to recover: " + m);
    await(damaged.close());
  }

  @Test
  void aFileThatIsNoDatabaseStopsTheStartToo() throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    byte[] junk = new byte[8192];
    Arrays.fill(junk, (byte) 'x');
    Files.write(db, junk);
    SqlitePeerStore store = store(db, 60);
    String m = assertThrows(ExecutionException.class, () -> await(store.init())).getCause().getMessage();
    assertTrue(m.contains(db.toString()) && m.contains("damaged") && m.contains(".recover"), m);
    await(store.close());
    assertArrayEquals(junk, Files.readAllBytes(db), "the file is left as it was, for recovery");
  }

  @Test
  void writesFailAndTheStoreIsNotReadyWhileTheFileIsReplacedThenRecover() throws Exception {
    Path db = dir.resolve("db_v2.sqlite3");
    SqlitePeerStore store = store(db, 1);
    await(store.init());
    await(store.insert("before", new byte[] {1}, new byte[] {2}, "10.0.0.1"));
    await(store.checkReady());

    Path aside = dir.resolve("moved-away.sqlite3");
    Files.move(db, aside);
    Files.createDirectory(db); // as when a volume is remounted or the file is deleted and recreated
    Throwable failed = assertThrows(ExecutionException.class,
        () -> await(store.insert("during", new byte[] {1}, new byte[] {2}, "10.0.0.1"))).getCause();
    assertTrue(failed.getMessage().contains("removed or replaced"), failed.getMessage());
    String problem = assertThrows(ExecutionException.class, () -> await(store.checkReady())).getCause().getMessage();
    assertTrue(problem.contains("writes failing") && problem.contains("removed or replaced"), problem);
    // a failure alone counts for two probe intervals; past them, only the failing probe keeps it down
    Thread.sleep(3_000);
    assertFalse(ready(store), "the write probe keeps failing while idle");

    Files.delete(db);
    Files.move(aside, db);
    waitFor(() -> ready(store), "ready once the file is back");
    byte[] guid = await(store.insert("after1", new byte[] {1}, new byte[] {2}, "10.0.0.1"));
    assertArrayEquals(guid, await(store.findById("after1")).guid());
    assertEquals(null, await(store.findById("during")), "the write that failed left nothing");
    await(store.close());
  }

  /** Whether readiness succeeds now (it asks the database, so it takes a round trip). */
  private static boolean ready(PeerStore store) {
    try {
      await(store.checkReady());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out: " + what);
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

}
