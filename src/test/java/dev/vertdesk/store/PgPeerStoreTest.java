package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.EmbeddedPg;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link PeerStoreContractTest} on a real PostgreSQL server ({@link EmbeddedPg}, 127.0.0.1),
 * plus what only matters with a shared database: concurrent nodes, authentication, pool size, URL
 * parsing and keeping the password out of every message. Each test gets its own schema.
 */
class PgPeerStoreTest extends PeerStoreContractTest {

  private String schema;

  @BeforeAll
  static void startServer() {
    EmbeddedPg.server();
  }

  @BeforeEach
  void freshSchema() {
    schema = EmbeddedPg.newSchema();
  }

  private String url() {
    return EmbeddedPg.url("search_path=" + schema);
  }

  @Override
  protected PeerStore createStore(Vertx vertx) {
    return PgPeerStore.create(vertx, url());
  }

  @Override
  protected PeerStore createStoreOnSameDatabase(Vertx vertx) {
    return PgPeerStore.create(vertx, url());
  }

  @Override
  protected PeerStore createBrokenStore(Vertx vertx) throws Exception {
    // nothing listens on that port
    return PgPeerStore.create(vertx, "postgres://" + EmbeddedPg.USER + ":" + EmbeddedPg.PASSWORD_IN_URL
        + "@127.0.0.1:" + closedPort() + "/" + EmbeddedPg.DATABASE);
  }

  @Override
  protected String brokenStoreName() {
    return "postgresql://" + EmbeddedPg.USER + "@127.0.0.1:";
  }

  @Override
  protected Future<RowSet<Row>> sql(PeerStore store, String sql) {
    return ((PgPeerStore) store).pool().query(sql).execute();
  }

  @Override
  protected void insertRaw(PeerStore store, byte[] guid, String id, byte[] uuid, byte[] pk, String info)
      throws Exception {
    await(((PgPeerStore) store).pool()
        .preparedQuery("insert into peer (guid, id, uuid, pk, info) values ($1, $2, $3, $4, $5)")
        .execute(Tuple.of(Buffer.buffer(guid), id, Buffer.buffer(uuid), Buffer.buffer(pk), info)));
  }

  @Override
  protected String infoText(PeerStore store, byte[] guid) throws Exception {
    return await(((PgPeerStore) store).pool().preparedQuery("select info from peer where guid = $1")
        .execute(Tuple.of(Buffer.buffer(guid)))).iterator().next().getString("info");
  }

  // ---------------------------------------------------------------------------------------------
  // schema

  @Test
  void initCreatesPeerTableWithPostgresTypesAndIndexes(Vertx vertx) throws Exception {
    PgPeerStore store = (PgPeerStore) initialised(vertx);
    Map<String, String> cols = new TreeMap<>();
    List<String> order = new ArrayList<>();
    for (Row r : await(store.pool().preparedQuery(
        "select column_name, data_type, character_maximum_length, is_nullable, column_default"
            + " from information_schema.columns where table_schema = $1 and table_name = 'peer'"
            + " order by ordinal_position").execute(Tuple.of(schema)))) {
      order.add(r.getString("column_name"));
      cols.put(r.getString("column_name"), r.getString("data_type") + "|"
          + r.getValue("character_maximum_length") + "|" + r.getString("is_nullable"));
    }
    assertEquals(List.of("guid", "id", "uuid", "pk", "created_at", "user", "status", "note", "info"), order);
    assertEquals("bytea|null|NO", cols.get("guid"));
    assertEquals("character varying|100|NO", cols.get("id"));
    assertEquals("bytea|null|NO", cols.get("uuid"));
    assertEquals("bytea|null|NO", cols.get("pk"));
    assertEquals("timestamp without time zone|null|NO", cols.get("created_at"));
    assertEquals("bytea|null|YES", cols.get("user"));
    assertEquals("smallint|null|YES", cols.get("status"));
    assertEquals("character varying|300|YES", cols.get("note"));
    assertEquals("text|null|NO", cols.get("info"));

    Map<String, String> idx = new TreeMap<>();
    for (Row r : await(store.pool().preparedQuery(
        "select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'peer'")
        .execute(Tuple.of(schema)))) {
      idx.put(r.getString("indexname"), r.getString("indexdef").replace(schema + ".", ""));
    }
    assertEquals(5, idx.size(), idx.toString());
    assertTrue(idx.get("peer_pkey").contains("UNIQUE INDEX peer_pkey ON peer USING btree (guid)"), idx.toString());
    assertTrue(idx.get("index_peer_id").contains("UNIQUE INDEX index_peer_id ON peer USING btree (id)"), idx.toString());
    assertTrue(idx.get("index_peer_user").endsWith("USING btree (\"user\")"), idx.toString());
    assertTrue(idx.get("index_peer_created_at").endsWith("USING btree (created_at)"), idx.toString());
    assertTrue(idx.get("index_peer_status").endsWith("USING btree (status)"), idx.toString());

    // created_at defaults to the current time in UTC, like SQLite's current_timestamp
    await(store.insert("T", new byte[] {1}, new byte[] {2}, "1.1.1.1"));
    Row r = await(store.pool().query(
        "select extract(epoch from (now() at time zone 'utc') - created_at) as age from peer").execute())
        .iterator().next();
    double age = Double.parseDouble(String.valueOf(r.getValue("age")));
    assertTrue(age >= 0 && age < 60, "created_at is UTC now, age " + age);
  }

  @Test
  void nodesInitialisingTogetherAllSucceed(Vertx vertx) throws Exception {
    List<Future<Void>> inits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      inits.add(track(createStoreOnSameDatabase(vertx)).init());
    }
    await(Future.all(inits));
    PeerStore any = openSame(vertx);
    await(any.insert("AFTER", new byte[] {1}, new byte[] {2}, "1.1.1.1"));
  }

  // ---------------------------------------------------------------------------------------------
  // several nodes on one database

  @Test
  void sameDeviceInsertedByTwoNodesAtOnceEndsInOneRow(Vertx vertx) throws Exception {
    PgPeerStore a = (PgPeerStore) initialised(vertx);
    PgPeerStore b = (PgPeerStore) openSame(vertx);
    await(b.init());
    for (int round = 0; round < 25; round++) {
      String id = "RACE" + round;
      byte[] uuid = bytes(16, round);
      Future<byte[]> fa = a.insert(id, uuid, bytes(32, 1), "10.0.0.1");
      Future<byte[]> fb = b.insert(id, uuid, bytes(32, 2), "10.0.0.2");
      byte[] ga = await(fa);
      byte[] gb = await(fb);
      assertArrayEquals(ga, gb, "both nodes hold the one row's guid");
      Row count = await(a.pool().preparedQuery("select count(*) as n from peer where id = $1")
          .execute(Tuple.of(id))).iterator().next();
      assertEquals(1L, count.getLong("n"));
      StoredPeer p = await(a.findById(id));
      assertArrayEquals(ga, p.guid());
      assertArrayEquals(uuid, p.uuid());
      assertTrue(p.ip().equals("10.0.0.1") || p.ip().equals("10.0.0.2"), p.ip());
    }
  }

  @Test
  void differentDevicesRacingForOneIdLeaveOneOwner(Vertx vertx) throws Exception {
    PgPeerStore a = (PgPeerStore) initialised(vertx);
    PgPeerStore b = (PgPeerStore) openSame(vertx);
    await(b.init());
    for (int round = 0; round < 25; round++) {
      String id = "CLASH" + round;
      byte[] uuidA = bytes(16, 2 * round);
      byte[] uuidB = bytes(16, 2 * round + 1);
      Future<byte[]> fa = a.insert(id, uuidA, bytes(32, 1), "10.0.0.1");
      Future<byte[]> fb = b.insert(id, uuidB, bytes(32, 2), "10.0.0.2");
      await(Future.join(fa, fb).otherwiseEmpty());
      assertTrue(fa.succeeded() ^ fb.succeeded(), "exactly one device gets the id");
      Future<byte[]> winner = fa.succeeded() ? fa : fb;
      Future<byte[]> loser = fa.succeeded() ? fb : fa;
      assertTrue(loser.cause().getMessage().contains("unique index index_peer_id"),
          loser.cause().getMessage());
      StoredPeer p = await(a.findById(id));
      assertArrayEquals(winner.result(), p.guid());
      assertArrayEquals(fa.succeeded() ? uuidA : uuidB, p.uuid(), "the loser changed nothing");
      assertArrayEquals(bytes(32, fa.succeeded() ? 1 : 2), p.pk());
    }
  }

  @Test
  void concurrentUpdatesFromTwoNodesKeepOtherInfoKeys(Vertx vertx) throws Exception {
    PgPeerStore a = (PgPeerStore) initialised(vertx);
    PgPeerStore b = (PgPeerStore) openSame(vertx);
    byte[] guid = await(a.insert("BUSY", bytes(16, 1), bytes(32, 1), "0.0.0.0"));
    await(a.pool().query("update peer set info = '{\"ip\":\"0.0.0.0\",\"note\":\"keep\"}'").execute());
    List<Future<Void>> updates = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      updates.add((i % 2 == 0 ? a : b).update(guid, "BUSY", bytes(32, i), "10.0.0." + i));
    }
    await(Future.all(updates));
    io.vertx.core.json.JsonObject info = new io.vertx.core.json.JsonObject(infoText(a, guid));
    assertEquals("keep", info.getString("note"));
    assertTrue(info.getString("ip").startsWith("10.0.0."), info.encode());
  }

  // ---------------------------------------------------------------------------------------------
  // connection settings and failures

  @Test
  void wrongPasswordFailsWithoutShowingIt(Vertx vertx) throws Exception {
    String secret = "NotThePassword123";
    PgPeerStore store = track(PgPeerStore.create(vertx, "postgresql://" + EmbeddedPg.USER + ":" + secret
        + "@127.0.0.1:" + EmbeddedPg.port() + "/" + EmbeddedPg.DATABASE));
    Throwable err = failure(store.init());
    String all = messages(err);
    assertTrue(all.contains("password authentication failed"), all);
    assertTrue(all.contains("cannot initialise PostgreSQL database postgresql://vertdesk@127.0.0.1:"), all);
    assertFalse(all.contains(secret), all);
    assertFalse(store.toString().contains(secret), store.toString());
    assertNotNull(failure(store.ping()));

    // the real password never shows up either, in URL form or decoded
    PgPeerStore good = track(PgPeerStore.create(vertx, url()));
    for (String shown : List.of(good.toString(), good.describe(), good.settings().toString())) {
      assertFalse(shown.contains(EmbeddedPg.PASSWORD_IN_URL), shown);
      assertFalse(shown.contains(EmbeddedPg.PASSWORD), shown);
    }
    await(good.init());
  }

  @Test
  void unknownDatabaseFails(Vertx vertx) throws Exception {
    PgPeerStore store = track(PgPeerStore.create(vertx, "postgres://" + EmbeddedPg.USER + ":"
        + EmbeddedPg.PASSWORD_IN_URL + "@127.0.0.1:" + EmbeddedPg.port() + "/no_such_db"));
    String all = messages(failure(store.init()));
    assertTrue(all.contains("no_such_db"), all);
  }

  @Test
  void sslRequiredButServerHasNoSslFails(Vertx vertx) throws Exception {
    PgPeerStore store = track(PgPeerStore.create(vertx, url() + "&sslmode=require"));
    assertEquals(SslMode.REQUIRE, store.settings().connectOptions().getSslMode());
    Throwable err = failure(store.init());
    assertTrue(err.getMessage().contains("cannot initialise PostgreSQL database"), err.getMessage());
    // prefer falls back to plain text, as libpq does
    PgPeerStore prefer = track(PgPeerStore.create(vertx, url() + "&sslmode=prefer"));
    await(prefer.init());
  }

  @Test
  void poolSizeLimitsConnections(Vertx vertx) throws Exception {
    String app = "pooltest_" + schema;
    PgPeerStore store = track(PgPeerStore.create(vertx, url() + "&pool_size=2&application_name=" + app));
    assertEquals(2, store.poolSize());
    await(store.init());
    PgPeerStore observer = track(PgPeerStore.create(vertx, url()));
    List<Future<RowSet<Row>>> sleeps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sleeps.add(store.pool().query("select pg_sleep(0.3)").execute());
    }
    long max = 0;
    for (int i = 0; i < 8; i++) {
      Row r = await(observer.pool().preparedQuery(
          "select count(*) as n from pg_stat_activity where application_name = $1").execute(Tuple.of(app)))
          .iterator().next();
      max = Math.max(max, r.getLong("n"));
      Thread.sleep(50);
    }
    await(Future.all(sleeps));
    assertEquals(2, max, "the pool opened exactly pool_size connections");
  }

  // ---------------------------------------------------------------------------------------------
  // URL parsing

  @Test
  void parseUrlReadsEveryPart() {
    PgPeerStore.Settings s = PgPeerStore.parseUrl(
        "postgresql://ad%40min:" + EmbeddedPg.PASSWORD_IN_URL + "@db.example.internal:6543/peers%20db"
            + "?pool_size=12&sslmode=require&application_name=node1&search_path=rd");
    PgConnectOptions o = s.connectOptions();
    assertEquals("db.example.internal", o.getHost());
    assertEquals(6543, o.getPort());
    assertEquals("ad@min", o.getUser());
    assertEquals(EmbeddedPg.PASSWORD, o.getPassword());
    assertEquals("peers db", o.getDatabase());
    assertEquals(12, s.poolSize());
    assertEquals(SslMode.REQUIRE, o.getSslMode());
    assertTrue(o.getSslOptions().isTrustAll());
    assertEquals("node1", o.getProperties().get("application_name"));
    assertEquals("rd", o.getProperties().get("search_path"));
    assertEquals("postgresql://ad%40min@db.example.internal:6543/peers%20db", s.describe());

    PgPeerStore.Settings d = PgPeerStore.parseUrl("  POSTGRES://rd@10.1.2.3/rustdesk  ");
    assertEquals("10.1.2.3", d.connectOptions().getHost());
    assertEquals(5432, d.connectOptions().getPort());
    assertEquals("rd", d.connectOptions().getUser());
    assertEquals("", d.connectOptions().getPassword());
    assertEquals("rustdesk", d.connectOptions().getDatabase());
    assertEquals(PgPeerStore.DEFAULT_POOL_SIZE, d.poolSize());
    assertEquals(SslMode.DISABLE, d.connectOptions().getSslMode());
    assertEquals("vertdesk", d.connectOptions().getProperties().get("application_name"));

    PgPeerStore.Settings v6 = PgPeerStore.parseUrl("postgres://u:p@[::1]:5433/db");
    assertEquals("::1", v6.connectOptions().getHost());
    assertEquals(5433, v6.connectOptions().getPort());
    assertEquals("postgresql://u@[::1]:5433/db", v6.describe());

    // '+' is a plus (RFC 3986), an unencoded '@' in the password still splits at the last '@'
    assertEquals("a+b", PgPeerStore.parseUrl("postgres://u:a+b@h/db").connectOptions().getPassword());
    assertEquals("p@ss", PgPeerStore.parseUrl("postgres://u:p@ss@h/db").connectOptions().getPassword());
    assertEquals("docker_db", PgPeerStore.parseUrl("postgres://u:p@docker_db/db").connectOptions().getHost());
  }

  @Test
  void parseUrlRejectsBadUrlsWithoutShowingThePassword() {
    String pw = "Sup3rSecret";
    Map<String, String> bad = new HashMap<>();
    bad.put("postgres://u:" + pw + "@h:99999/db", "port");
    bad.put("postgres://u:" + pw + "@h:0/db", "port");
    bad.put("postgres://u:" + pw + "@h:x/db", "port");
    bad.put("postgres://u:" + pw + "@/db", "no host");
    bad.put("postgres://u:" + pw + "@h1,h2/db", "invalid host");
    bad.put("postgres://u:" + pw + "@h", "one database");
    bad.put("postgres://u:" + pw + "@h/", "one database");
    bad.put("postgres://u:" + pw + "@h/a/b", "one database");
    bad.put("postgres://h/db", "no user");
    bad.put("postgres://:" + pw + "@h/db", "no user");
    bad.put("postgres://u:" + pw + "@h/db?pool_size=0", "pool_size");
    bad.put("postgres://u:" + pw + "@h/db?pool_size=101", "pool_size");
    bad.put("postgres://u:" + pw + "@h/db?pool_size=many", "pool_size");
    bad.put("postgres://u:" + pw + "@h/db?sslmode=verify-full", "sslmode");
    bad.put("postgres://u:" + pw + "@h/db?connect_timeout=5", "unsupported PostgreSQL URL parameter 'connect_timeout'");
    bad.put("postgres://u@h/db?password=" + pw, "unsupported PostgreSQL URL parameter 'password'");
    bad.put("postgres://u@h/db?password", "without a value");
    bad.put("postgres://u:" + pw + "%zz@h/db", "percent-encoding");
    bad.put("postgres://u:" + pw + "#x@h/db", "'#'");
    bad.put("postgres://u:" + pw + "@[::1/db", "IPv6");
    bad.put("mysql://u:" + pw + "@h/db", "not a postgres");
    bad.put("", "empty");
    bad.forEach((url, expected) -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> PgPeerStore.parseUrl(url), url);
      assertTrue(e.getMessage().contains(expected), url + " -> " + e.getMessage());
      assertFalse(e.getMessage().contains(pw), url + " -> " + e.getMessage());
    });
  }

  @Test
  void redactHidesPasswords() {
    assertEquals("postgres://u:***@h:5432/db", PgPeerStore.redact("postgres://u:secret@h:5432/db"));
    assertEquals("postgres://u@h/db", PgPeerStore.redact("postgres://u@h/db"));
    assertEquals("postgres://u:***@h/db", PgPeerStore.redact("postgres://u:se/cr?et@h/db"));
    assertEquals("postgres://u@h/db?password=***&x=1", PgPeerStore.redact("postgres://u@h/db?password=secret&x=1"));
    assertEquals("db_v2.sqlite3", PgPeerStore.redact("db_v2.sqlite3"));
  }

  @Test
  void isPostgresUrl() {
    assertTrue(PgPeerStore.isPostgresUrl("postgres://u@h/d"));
    assertTrue(PgPeerStore.isPostgresUrl(" PostgreSQL://u@h/d"));
    assertFalse(PgPeerStore.isPostgresUrl("postgres:u@h/d"));
    assertFalse(PgPeerStore.isPostgresUrl("sqlite://x"));
    assertFalse(PgPeerStore.isPostgresUrl("postgres.db"));
    assertFalse(PgPeerStore.isPostgresUrl(null));
  }

  @Test
  void withIpKeepsOtherKeys() {
    assertEquals("{\"a\":1,\"ip\":\"x\"}", PgPeerStore.withIp("{\"a\":1}", "x"));
    assertEquals("{\"ip\":\"y\",\"a\":1}", PgPeerStore.withIp("{\"ip\":\"x\",\"a\":1}", "y"));
    assertEquals("{\"ip\":\"x\"}", PgPeerStore.withIp("[1]", "x"));
    assertEquals("{\"ip\":\"x\"}", PgPeerStore.withIp("garbage{", "x"));
    assertEquals("{\"ip\":\"x\"}", PgPeerStore.withIp("", "x"));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      return s.getLocalPort();
    }
  }

  private static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Set<Throwable> seen = new HashSet<>();
    for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
      sb.append(c).append(" | ");
    }
    return sb.toString();
  }
}
