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
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every {@link PeerStore} must do (docs/protocol.md §8), run against each implementation by a
 * subclass that supplies fresh, private databases of its kind.
 */
@ExtendWith(VertxExtension.class)
abstract class PeerStoreContractTest {

  private final List<PeerStore> opened = new ArrayList<>();

  /** A new, uninitialised store on an empty database private to the current test. */
  protected abstract PeerStore createStore(Vertx vertx) throws Exception;

  /**
   * Another store on the database of the last {@link #createStore} call: a restarted node, or a
   * second node of a cluster.
   */
  protected abstract PeerStore createStoreOnSameDatabase(Vertx vertx) throws Exception;

  /** A store whose database cannot be opened or reached. */
  protected abstract PeerStore createBrokenStore(Vertx vertx) throws Exception;

  /** Text that init's failure message must contain for {@link #createBrokenStore}. */
  protected abstract String brokenStoreName();

  /** Runs a statement on the store's own connection; the SQL is the same in both dialects. */
  protected abstract Future<RowSet<Row>> sql(PeerStore store, String sql);

  /** Inserts a row the way another program (rustdesk-server, an admin, another node) would. */
  protected abstract void insertRaw(PeerStore store, byte[] guid, String id, byte[] uuid, byte[] pk,
      String info) throws Exception;

  /** The stored {@code info} text of the row with {@code guid}. */
  protected abstract String infoText(PeerStore store, byte[] guid) throws Exception;

  @AfterEach
  void closeStores() throws Exception {
    // SQLite: the pool must be closed before @TempDir deletes the directory (-wal/-shm are open)
    for (PeerStore s : opened) {
      try {
        await(s.close());
      } catch (ExecutionException ignored) {
        // already closed by the test
      }
    }
  }

  protected final PeerStore open(Vertx vertx) throws Exception {
    return track(createStore(vertx));
  }

  protected final PeerStore openSame(Vertx vertx) throws Exception {
    return track(createStoreOnSameDatabase(vertx));
  }

  protected final <S extends PeerStore> S track(S store) {
    opened.add(store);
    return store;
  }

  protected final PeerStore initialised(Vertx vertx) throws Exception {
    PeerStore s = open(vertx);
    await(s.init());
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // schema

  @Test
  void initIsIdempotentAndPingWorks(Vertx vertx) throws Exception {
    PeerStore store = open(vertx);
    await(store.init());
    await(store.init()); // twice is harmless
    await(store.ping());
    PeerStore second = openSame(vertx);
    await(second.init()); // an existing schema is used as is
    await(second.ping());
    assertNull(await(second.findById("nobody")));
  }

  // ---------------------------------------------------------------------------------------------
  // reads

  @Test
  void readsRowsWrittenByOthers(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    byte[] guid1 = bytes(16, 1);
    byte[] uuid1 = bytes(36, 2);
    byte[] pk1 = bytes(32, 3);
    byte[] guid2 = bytes(16, 4);
    insertRaw(store, guid1, "Abc123", uuid1, pk1, "{\"ip\":\"::ffff:1.2.3.4\"}");
    insertRaw(store, guid2, "abc123", bytes(36, 5), bytes(32, 6), "{\"ip\":\"::ffff:5.6.7.8\"}");
    insertRaw(store, bytes(16, 7), "garbled", bytes(1, 8), bytes(32, 9), "not json");
    insertRaw(store, bytes(16, 10), "noip", bytes(1, 11), bytes(32, 12), "{}");
    insertRaw(store, bytes(16, 13), "numip", bytes(1, 14), bytes(32, 15), "{\"ip\":5}");
    insertRaw(store, bytes(16, 16), "array", bytes(1, 17), bytes(32, 18), "[\"ip\"]");

    assertRowsOfOthersRead(store, guid1, uuid1, pk1, guid2);
    assertEquals("", await(store.findById("array")).ip());
  }

  /**
   * The rows written by another program ("Abc123" and "abc123" with IPv4-mapped addresses,
   * "garbled", "noip" and "numip" with unusable info) read back as rustdesk-server wrote them.
   */
  static void assertRowsOfOthersRead(PeerStore store, byte[] guid1, byte[] uuid1, byte[] pk1, byte[] guid2)
      throws Exception {
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

    // exact, case-sensitive match
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
    PeerStore store = initialised(vertx);
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
    assertEquals(new JsonObject().put("ip", "::ffff:10.0.0.1"), new JsonObject(infoText(store, guid)));
    Row row = await(sql(store, "select created_at from peer where id = 'PEER1'")).iterator().next();
    assertNotNull(row.getValue("created_at"));

    // a null ip is stored as ""
    byte[] g3 = await(store.insert("NOIP", uuid, pk, null));
    assertEquals(new JsonObject().put("ip", ""), new JsonObject(infoText(store, g3)));
    assertEquals("", await(store.findById("NOIP")).ip());
  }

  @Test
  void keyBytesSurviveUnchanged(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i; // NUL, high bytes, invalid UTF-8: binary columns must not mangle them
    }
    await(store.insert("BIN", all, all, "1.1.1.1"));
    StoredPeer p = await(store.findById("BIN"));
    assertArrayEquals(all, p.uuid());
    assertArrayEquals(all, p.pk());
    // the longest id the table takes
    String longId = "x".repeat(100);
    await(store.insert(longId, bytes(1, 1), bytes(32, 1), "2.2.2.2"));
    assertEquals(longId, await(store.findById(longId)).id());
  }

  @Test
  void updateChangesIdPkAndIpAndKeepsOtherInfoKeys(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    byte[] uuid = bytes(36, 30);
    byte[] guid = await(store.insert("UPD1", uuid, bytes(32, 31), "x"));
    await(sql(store, "update peer set info = '{\"ip\":\"x\",\"note\":\"keep\"}'"));

    byte[] newPk = bytes(32, 32);
    await(store.update(guid, "UPD1", newPk, "::ffff:9.9.9.9"));
    StoredPeer p = await(store.findById("UPD1"));
    assertArrayEquals(newPk, p.pk());
    assertEquals("::ffff:9.9.9.9", p.ip());
    assertArrayEquals(uuid, p.uuid(), "uuid is never updated");
    assertArrayEquals(guid, p.guid());
    assertEquals(new JsonObject().put("ip", "::ffff:9.9.9.9").put("note", "keep"),
        new JsonObject(infoText(store, guid)));

    // the id moves with the row
    await(store.update(guid, "UPD2", newPk, "::ffff:9.9.9.9"));
    assertNull(await(store.findById("UPD1")));
    assertArrayEquals(guid, await(store.findById("UPD2")).guid());

    // info that is not a JSON object is replaced by a fresh {"ip": ...}
    await(sql(store, "update peer set info = 'garbage{'"));
    await(store.update(guid, "UPD2", newPk, "5.5.5.5"));
    assertEquals(new JsonObject().put("ip", "5.5.5.5"), new JsonObject(infoText(store, guid)));
    await(sql(store, "update peer set info = '[1,2]'"));
    await(store.update(guid, "UPD2", newPk, "6.6.6.6"));
    assertEquals(new JsonObject().put("ip", "6.6.6.6"), new JsonObject(infoText(store, guid)));
  }

  @Test
  void updateOfUnknownGuidFails(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    await(store.insert("KNOWN", bytes(1, 1), bytes(32, 2), "1.1.1.1"));
    Throwable err = failure(store.update(bytes(16, 99), "KNOWN", bytes(32, 3), "2.2.2.2"));
    assertTrue(err.getMessage().contains("0 rows"), err.getMessage());
    assertEquals("1.1.1.1", await(store.findById("KNOWN")).ip(), "nothing changed");
  }

  @Test
  void insertOfDuplicateIdFails(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    byte[] guid = await(store.insert("DUP", bytes(1, 1), bytes(32, 2), "1.1.1.1"));
    Throwable err = failure(store.insert("DUP", bytes(1, 3), bytes(32, 4), "2.2.2.2"));
    assertTrue(err.getMessage().toUpperCase().contains("UNIQUE"), err.getMessage());
    StoredPeer kept = await(store.findById("DUP"));
    assertArrayEquals(guid, kept.guid());
    assertArrayEquals(bytes(32, 2), kept.pk(), "the other device's insert changed nothing");
    assertEquals("1.1.1.1", kept.ip());

    // an update that would collide with another row's id fails too
    byte[] other = await(store.insert("OTHER", bytes(1, 5), bytes(32, 6), "3.3.3.3"));
    Throwable err2 = failure(store.update(other, "DUP", bytes(32, 6), "3.3.3.3"));
    assertTrue(err2.getMessage().toUpperCase().contains("UNIQUE"), err2.getMessage());
    assertArrayEquals(guid, await(store.findById("DUP")).guid());

    // NOT NULL constraints surface as well
    assertNotNull(failure(store.insert("NOPK", bytes(1, 7), null, "4.4.4.4")));
    assertNull(await(store.findById("NOPK")));
  }

  @Test
  void dataSurvivesRestart(Vertx vertx) throws Exception {
    PeerStore first = open(vertx);
    await(first.init());
    byte[] pk = bytes(32, 40);
    byte[] guid = await(first.insert("KEEPME", bytes(36, 41), pk, "::ffff:7.7.7.7"));
    await(first.update(guid, "KEEPME", bytes(32, 42), "::ffff:8.8.8.8"));
    await(first.close());

    PeerStore second = openSame(vertx);
    await(second.init());
    StoredPeer p = await(second.findById("KEEPME"));
    assertNotNull(p);
    assertArrayEquals(guid, p.guid());
    assertArrayEquals(bytes(32, 42), p.pk());
    assertEquals("::ffff:8.8.8.8", p.ip());
  }

  @Test
  void twoStoresOnOneDatabaseSeeEachOthersWrites(Vertx vertx) throws Exception {
    PeerStore a = initialised(vertx);
    PeerStore b = openSame(vertx);
    await(b.init());
    List<Future<byte[]>> inserts = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      PeerStore s = i % 2 == 0 ? a : b;
      inserts.add(s.insert("N" + i, bytes(16, i), bytes(32, i), "10.0.0." + i));
    }
    await(Future.all(inserts));
    Set<String> guids = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      PeerStore reader = i % 2 == 0 ? b : a;
      StoredPeer p = await(reader.findById("N" + i));
      assertNotNull(p, "N" + i);
      assertEquals("10.0.0." + i, p.ip());
      assertArrayEquals(await(inserts.get(i)), p.guid());
      guids.add(Arrays.toString(p.guid()));
    }
    assertEquals(40, guids.size());
    // an update through one store is what the other reads
    byte[] g = await(inserts.get(0));
    await(b.update(g, "N0", bytes(32, 99), "10.9.9.9"));
    assertEquals("10.9.9.9", await(a.findById("N0")).ip());
  }

  // ---------------------------------------------------------------------------------------------
  // threading and failures

  @Test
  void completesOnCallersEventLoopContext(Vertx vertx, VertxTestContext ctx) throws Exception {
    PeerStore store = open(vertx);
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> store.init()
        .compose(x -> store.insert("CTX", bytes(1, 1), bytes(32, 2), "1.2.3.4"))
        .compose(g -> store.update(g, "CTX", bytes(32, 3), "1.2.3.5"))
        .compose(x -> store.findById("CTX"))
        .onComplete(ctx.succeeding(p -> ctx.verify(() -> {
          assertEquals("CTX", p.id());
          assertEquals("1.2.3.5", p.ip());
          assertTrue(Context.isOnEventLoopThread());
          assertTrue(Vertx.currentContext() == context, "completed on the caller's context");
          ctx.completeNow();
        }))));
  }

  @Test
  void brokenDatabaseFailsInit(Vertx vertx) throws Exception {
    PeerStore store = track(createBrokenStore(vertx));
    Throwable err = failure(store.init());
    assertTrue(err.getMessage().contains("cannot initialise"), err.getMessage());
    assertTrue(err.getMessage().contains(brokenStoreName()), err.getMessage());
    assertNotNull(err.getCause());
    assertNotNull(failure(store.ping()));
    assertNotNull(failure(store.findById("x")));
    assertNotNull(failure(store.insert("x", bytes(1, 1), bytes(32, 1), "1.1.1.1")));
  }

  @Test
  void operationsAfterCloseFail(Vertx vertx) throws Exception {
    PeerStore store = initialised(vertx);
    await(store.close());
    assertNotNull(failure(store.ping()));
    assertNotNull(failure(store.findById("x")));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(f));
    return e.getCause();
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }
}
