package dev.vertdesk.store;

import dev.vertdesk.config.StoreOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@link PeerStore} on PostgreSQL, for clusters whose nodes share one database. Same table,
 * columns, indexes and semantics as {@link SqlitePeerStore} (docs/protocol.md §8), with PostgreSQL
 * types: {@code guid/uuid/pk/"user"} are {@code bytea}, {@code created_at} is a {@code timestamp}
 * in UTC, {@code status} is {@code smallint}, {@code info} stays {@code text} holding JSON.
 *
 * <p>Built on the non-blocking {@code vertx-pg-client}; futures complete on the caller's context.
 * Reads and writes go in batches ({@link BatchedPeerStore}): one {@code = any($1)} query per read
 * batch, and one transaction per write batch, whose rows travel as arrays ({@code unnest}), one
 * statement for the inserts and one for the updates. Failures are never swallowed: connection,
 * authentication and SQL errors fail the returned future.
 *
 * <p>Safe with several nodes on one database:
 * <ul>
 *   <li>{@link #init()} creates the schema inside a transaction holding a transaction-level
 *       advisory lock, so nodes starting together do not trip over each other's
 *       {@code CREATE TABLE IF NOT EXISTS}.</li>
 *   <li>An insert is {@code INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE peer.uuid =
 *       excluded.uuid RETURNING id, guid}: when two nodes insert the same new ID for the same
 *       device (same {@code uuid}) at once, both succeed and get the one row's guid; a different
 *       device never takes over an existing ID (the insert fails, as on SQLite).</li>
 *   <li>An update reads {@code info} with {@code SELECT ... FOR UPDATE} and writes it back in the
 *       same transaction, so the read-modify-write of {@code info.ip} cannot lose another node's
 *       concurrent change.</li>
 *   <li>Within one transaction no two statements of a batch touch the same ID or row (a batch is
 *       split into rounds where one would): PostgreSQL refuses an {@code ON CONFLICT} that hits
 *       one row twice. A batch that fails on one row's data (a constraint, a value PostgreSQL
 *       cannot store) is written again row by row, so that only that row fails.</li>
 * </ul>
 *
 * <p>The password is never part of {@link #toString()}, {@link #describe()}, or any message this
 * class produces.
 */
public final class PgPeerStore extends BatchedPeerStore {

  /** Pool size when the URL has no {@code pool_size} parameter. */
  public static final int DEFAULT_POOL_SIZE = 4;
  /** Largest accepted {@code pool_size}. */
  public static final int MAX_POOL_SIZE = 100;
  /** PostgreSQL's default port. */
  public static final int DEFAULT_PORT = 5432;

  /** Serialises concurrent {@link #init()} calls of all nodes on one database. */
  static final long SCHEMA_LOCK_KEY = 0x7665_7274_6465_736bL; // "vertdesk"

  static final List<String> SCHEMA = List.of(
      "create table if not exists peer (\n"
          + "  guid bytea primary key not null,\n"
          + "  id varchar(100) not null,\n"
          + "  uuid bytea not null,\n"
          + "  pk bytea not null,\n"
          + "  created_at timestamp not null default (now() at time zone 'utc'),\n"
          + "  \"user\" bytea,\n"
          + "  status smallint,\n"
          + "  note varchar(300),\n"
          + "  info text not null\n"
          + ")",
      "create unique index if not exists index_peer_id on peer (id)",
      "create index if not exists index_peer_user on peer (\"user\")",
      "create index if not exists index_peer_created_at on peer (created_at)",
      "create index if not exists index_peer_status on peer (status)");

  private static final String SELECT_BY_IDS =
      "select guid, id, uuid, pk, info from peer where id = any($1::text[])";

  private static final String INSERT =
      "insert into peer (guid, id, uuid, pk, info)"
          + " select * from unnest($1::bytea[], $2::text[], $3::bytea[], $4::bytea[], $5::text[])"
          + " on conflict (id) do update set pk = excluded.pk, info = excluded.info"
          + " where peer.uuid = excluded.uuid"
          + " returning id, guid";

  private static final String LOCK_INFO = "select guid, info from peer where guid = any($1::bytea[]) for update";

  private static final String UPDATE =
      "update peer set id = u.id, pk = u.pk, info = u.info"
          + " from unnest($1::bytea[], $2::text[], $3::bytea[], $4::text[]) as u(guid, id, pk, info)"
          + " where peer.guid = u.guid"
          + " returning peer.guid";

  /* The write probe: a row that exists only inside its own transaction, so nobody ever sees it. */
  private static final String PROBE_INSERT =
      "insert into peer (guid, id, uuid, pk, info) values ($1, $2, '\\x'::bytea, '\\x'::bytea, '{}')";
  private static final String PROBE_DELETE = "delete from peer where guid = $1";

  private final Settings settings;
  private final Pool pool;

  private PgPeerStore(Vertx vertx, Settings settings, Pool pool, StoreOptions options) {
    super(vertx, options);
    this.settings = settings;
    this.pool = pool;
  }

  /**
   * Creates the store from a {@code postgres://} / {@code postgresql://} URL (see
   * {@link #parseUrl(String)}). No connection is opened until the first operation (normally
   * {@link #init()}), so this never blocks.
   *
   * @throws IllegalArgumentException if the URL cannot be used; the message never contains the
   *     password
   */
  public static PgPeerStore create(Vertx vertx, String url) {
    return create(vertx, parseUrl(url));
  }

  /** Creates the store from parsed settings with the shipped defaults of {@code db.*}. */
  public static PgPeerStore create(Vertx vertx, Settings settings) {
    return create(vertx, settings, StoreOptions.defaults());
  }

  /** Creates the store from parsed settings; no connection is opened yet. */
  public static PgPeerStore create(Vertx vertx, Settings settings, StoreOptions options) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(settings, "settings");
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(settings.poolSize())
        .setName("vertdesk-pg");
    Pool pool = PgBuilder.pool()
        .with(poolOptions)
        .connectingTo(settings.connectOptions())
        .using(vertx)
        .build();
    return new PgPeerStore(vertx, settings, pool, options);
  }

  /** True for the URL schemes this store takes: {@code postgres://} and {@code postgresql://}. */
  public static boolean isPostgresUrl(String url) {
    if (url == null) {
      return false;
    }
    String lower = url.trim().toLowerCase(Locale.ROOT);
    return lower.startsWith("postgres://") || lower.startsWith("postgresql://");
  }

  /**
   * Parses {@code postgres[ql]://user[:password]@host[:port]/database[?param=value&...]}.
   * User, password and database are percent-decoded; an IPv6 host goes in brackets. Parameters:
   * <ul>
   *   <li>{@code pool_size}: connections this node keeps (1..{@value #MAX_POOL_SIZE}, default
   *       {@value #DEFAULT_POOL_SIZE});</li>
   *   <li>{@code sslmode}: {@code disable} (default), {@code allow}, {@code prefer} or
   *       {@code require}, with libpq's meaning: encrypted when asked for, the server certificate
   *       is not verified;</li>
   *   <li>{@code application_name}, {@code search_path}: sent to the server at connect.</li>
   * </ul>
   * Anything else is refused rather than ignored.
   *
   * @throws IllegalArgumentException naming what is wrong; never contains the password
   */
  public static Settings parseUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("empty PostgreSQL URL");
    }
    String text = url.trim();
    String shown = redact(text);
    int schemeEnd = text.indexOf("://");
    String scheme = schemeEnd < 0 ? "" : text.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
      throw new IllegalArgumentException("not a postgres:// or postgresql:// URL: " + shown);
    }
    String rest = text.substring(schemeEnd + 3);
    int fragment = rest.indexOf('#');
    if (fragment >= 0) {
      throw new IllegalArgumentException("PostgreSQL URL must not contain '#' (percent-encode it as %23): "
          + shown);
    }
    int queryStart = rest.indexOf('?');
    String rawQuery = queryStart < 0 ? null : rest.substring(queryStart + 1);
    String beforeQuery = queryStart < 0 ? rest : rest.substring(0, queryStart);
    int at = beforeQuery.lastIndexOf('@');
    int slash = beforeQuery.indexOf('/', Math.max(at, 0));
    String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
    String rawPath = slash < 0 ? "" : beforeQuery.substring(slash + 1);

    String rawUserInfo = at < 0 ? "" : authority.substring(0, at);
    String hostPort = at < 0 ? authority : authority.substring(at + 1);
    if (rawUserInfo.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL URL names no user (user[:password]@host): " + shown);
    }
    int colon = rawUserInfo.indexOf(':');
    String rawUser = colon < 0 ? rawUserInfo : rawUserInfo.substring(0, colon);
    String user = percentDecode(rawUser, "user", shown);
    String password = colon < 0 ? "" : percentDecode(rawUserInfo.substring(colon + 1), "password", shown);
    if (user.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL URL names no user (user[:password]@host): " + shown);
    }

    String host;
    String portText;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("PostgreSQL URL has an unterminated [IPv6] host: " + shown);
      }
      host = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw new IllegalArgumentException("PostgreSQL URL has junk after the [IPv6] host: " + shown);
      }
      portText = after.isEmpty() ? null : after.substring(1);
      if (!host.matches("[0-9A-Fa-f:.]+")) {
        throw new IllegalArgumentException("PostgreSQL URL has an invalid IPv6 host: " + shown);
      }
    } else {
      int pc = hostPort.lastIndexOf(':');
      host = pc < 0 ? hostPort : hostPort.substring(0, pc);
      portText = pc < 0 ? null : hostPort.substring(pc + 1);
      if (!host.isEmpty() && !host.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("PostgreSQL URL has an invalid host '" + host
            + "' (one host name or IP address; several hosts are not supported): " + shown);
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL URL names no host: " + shown);
    }
    int port = DEFAULT_PORT;
    if (portText != null) {
      port = portText.matches("[0-9]{1,5}") ? Integer.parseInt(portText) : -1;
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("PostgreSQL URL port must be 1..65535, got '" + portText + "': "
            + shown);
      }
    }
    if (rawPath.isEmpty() || rawPath.contains("/")) {
      throw new IllegalArgumentException("PostgreSQL URL must name one database (.../database): " + shown);
    }
    String database = percentDecode(rawPath, "database", shown);

    PgConnectOptions options = new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setUser(user)
        .setPassword(password)
        .setDatabase(database)
        .setCachePreparedStatements(true);
    options.getProperties().put("application_name", "vertdesk");
    int poolSize = DEFAULT_POOL_SIZE;
    SslMode sslMode = SslMode.DISABLE;
    for (Map.Entry<String, String> p : queryParameters(rawQuery, shown).entrySet()) {
      String value = p.getValue();
      switch (p.getKey()) {
        case "pool_size" -> {
          try {
            poolSize = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            poolSize = -1;
          }
          if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("PostgreSQL URL parameter pool_size must be 1.."
                + MAX_POOL_SIZE + ", got '" + value + "': " + shown);
          }
        }
        case "sslmode" -> {
          switch (value.toLowerCase(Locale.ROOT)) {
            case "disable" -> sslMode = SslMode.DISABLE;
            case "allow" -> sslMode = SslMode.ALLOW;
            case "prefer" -> sslMode = SslMode.PREFER;
            case "require" -> sslMode = SslMode.REQUIRE;
            default -> throw new IllegalArgumentException("PostgreSQL URL parameter sslmode must be"
                + " disable, allow, prefer or require (verify-ca/verify-full are not supported),"
                + " got '" + value + "': " + shown);
          }
        }
        case "application_name", "search_path" -> options.getProperties().put(p.getKey(), value);
        default -> throw new IllegalArgumentException("unsupported PostgreSQL URL parameter '"
            + p.getKey() + "' (supported: pool_size, sslmode, application_name, search_path): " + shown);
      }
    }
    options.setSslMode(sslMode);
    if (sslMode != SslMode.DISABLE) {
      // libpq's require/prefer/allow encrypt without verifying the certificate
      options.setSslOptions(new ClientSSLOptions().setTrustAll(true));
    }
    String describe = "postgresql://" + rawUser + "@"
        + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + "/" + rawPath;
    return new Settings(options, poolSize, describe);
  }

  /**
   * {@code url} with any password replaced by {@code ***}, for messages. Works on text that is
   * not a valid URI as well.
   */
  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    int schemeEnd = url.indexOf("://");
    if (schemeEnd < 0) {
      return redactPasswordParameter(url);
    }
    int authStart = schemeEnd + 3;
    // the last '@' anywhere: masks too much rather than too little when the password holds
    // unencoded '/', '?', '#' or '@'
    int at = url.lastIndexOf('@');
    if (at < authStart) {
      return redactPasswordParameter(url);
    }
    String userInfo = url.substring(authStart, at);
    int colon = userInfo.indexOf(':');
    String masked = colon < 0 ? userInfo : userInfo.substring(0, colon) + ":***";
    return redactPasswordParameter(url.substring(0, authStart) + masked + url.substring(at));
  }

  private static String redactPasswordParameter(String url) {
    return url.replaceAll("(?i)([?&]password=)[^&#]*", "$1***");
  }

  private static Map<String, String> queryParameters(String rawQuery, String shown) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("PostgreSQL URL parameter without a value: "
            + (pair.toLowerCase(Locale.ROOT).startsWith("password") ? "password" : pair) + " in " + shown);
      }
      String key = percentDecode(pair.substring(0, eq), "parameter name", shown).toLowerCase(Locale.ROOT);
      out.put(key, percentDecode(pair.substring(eq + 1), "parameter " + key, shown).trim());
    }
    return out;
  }

  /** RFC 3986 percent-decoding ({@code +} stays a plus, unlike form decoding). */
  private static String percentDecode(String s, String what, String shown) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    int i = 0;
    while (i < s.length()) {
      int pct = s.indexOf('%', i);
      if (pct < 0) {
        pct = s.length();
      }
      out.writeBytes(s.substring(i, pct).getBytes(StandardCharsets.UTF_8));
      if (pct == s.length()) {
        break;
      }
      int hi = pct + 2 < s.length() ? Character.digit(s.charAt(pct + 1), 16) : -1;
      int lo = pct + 2 < s.length() ? Character.digit(s.charAt(pct + 2), 16) : -1;
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("bad percent-encoding in the " + what + " of PostgreSQL URL " + shown);
      }
      out.write(hi << 4 | lo);
      i = pct + 3;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Where to connect and how many connections to keep; {@code describe} has no password. */
  public record Settings(PgConnectOptions connectOptions, int poolSize, String describe) {

    public Settings {
      Objects.requireNonNull(connectOptions, "connectOptions");
      Objects.requireNonNull(describe, "describe");
      if (poolSize < 1) {
        throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
      }
    }

    @Override
    public String toString() {
      return describe + " (pool " + poolSize + ")";
    }
  }

  /** {@code postgresql://user@host:port/database}, without the password. */
  public String describe() {
    return settings.describe();
  }

  /** Connections this node keeps at most. */
  public int poolSize() {
    return settings.poolSize();
  }

  /** For tests and diagnostics in this package. */
  Pool pool() {
    return pool;
  }

  /** For tests in this package. */
  Settings settings() {
    return settings;
  }

  @Override
  public String toString() {
    return "PgPeerStore[" + settings + "]";
  }

  @Override
  public Future<Void> init() {
    Future<Void> done = pool.withTransaction(conn -> {
      Future<Void> chain = conn.preparedQuery("select pg_advisory_xact_lock($1)")
          .execute(Tuple.of(SCHEMA_LOCK_KEY)).mapEmpty();
      for (String ddl : SCHEMA) {
        chain = chain.compose(v -> conn.query(ddl).execute().mapEmpty());
      }
      return chain;
    });
    return done.recover(err -> Future.failedFuture(new IllegalStateException(
        "cannot initialise PostgreSQL database " + settings.describe() + ": " + err.getMessage(), err)))
        .onSuccess(v -> startProbes());
  }

  @Override
  protected Future<Map<String, StoredPeer>> readBatch(List<String> ids) {
    return pool.preparedQuery(SELECT_BY_IDS)
        .execute(Tuple.of(ids.toArray(new String[0])))
        .map(rows -> {
          Map<String, StoredPeer> found = new HashMap<>();
          for (Row row : rows) {
            // index_peer_id is unique: at most one row per id
            StoredPeer p = new StoredPeer(
                SqlitePeerStore.bytes(row.getValue("guid")),
                row.getString("id"),
                SqlitePeerStore.bytes(row.getValue("uuid")),
                SqlitePeerStore.bytes(row.getValue("pk")),
                SqlitePeerStore.ipOf(row.getValue("info")));
            found.put(p.id(), p);
          }
          return found;
        });
  }

  @Override
  protected Future<List<AsyncResult<byte[]>>> writeBatch(List<PeerWrite> writes) {
    return pool.withTransaction(conn -> writeRounds(conn, writes)).recover(err -> {
      if (!isRowDataError(err)) {
        return Future.failedFuture(err);
      }
      return writes.size() == 1 ? Future.succeededFuture(List.of(Future.failedFuture(err))) : eachAlone(writes);
    });
  }

  /**
   * An error caused by the data of a row (SQLSTATE class 22 "data exception", 23 "integrity
   * constraint violation"), as opposed to the database or the connection failing.
   */
  private static boolean isRowDataError(Throwable err) {
    return err instanceof PgException pg && pg.getSqlState() != null
        && (pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23"));
  }

  /** The writes of a batch that failed on some row's data, each in a transaction of its own. */
  private Future<List<AsyncResult<byte[]>>> eachAlone(List<PeerWrite> writes) {
    List<AsyncResult<byte[]>> out = new ArrayList<>(writes.size());
    Future<Void> chain = Future.succeededFuture();
    for (PeerWrite w : writes) {
      chain = chain.compose(v -> pool.withTransaction(conn -> writeRounds(conn, List.of(w)))
          .map(one -> one.get(0))
          .recover(err -> isRowDataError(err) ? Future.succeededFuture(Future.failedFuture(err)) : Future.failedFuture(err))
          .map(r -> {
            out.add(r);
            return (Void) null;
          }));
    }
    return chain.map(v -> out);
  }

  /**
   * The writes in rounds such that no round touches one ID or one row twice; in each round one
   * statement inserts, one locks the rows to update and one updates them.
   */
  private Future<List<AsyncResult<byte[]>>> writeRounds(SqlConnection conn, List<PeerWrite> writes) {
    List<AsyncResult<byte[]>> results = new ArrayList<>(Collections.nCopies(writes.size(), null));
    Future<Void> chain = Future.succeededFuture();
    for (List<Integer> round : rounds(writes)) {
      List<Integer> inserts = new ArrayList<>();
      List<Integer> updates = new ArrayList<>();
      for (int i : round) {
        (writes.get(i).isInsert() ? inserts : updates).add(i);
      }
      chain = chain.compose(v -> insertAll(conn, writes, inserts, results))
          .compose(v -> updateAll(conn, writes, updates, results));
    }
    return chain.map(v -> results);
  }

  /** Round numbers by first appearance: a write goes one round after the last one that shared its ID or row. */
  private static List<List<Integer>> rounds(List<PeerWrite> writes) {
    Map<String, Integer> lastRound = new HashMap<>();
    List<List<Integer>> rounds = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      PeerWrite w = writes.get(i);
      String idKey = "i" + w.id();
      String rowKey = w.isInsert() ? null : "g" + HexFormat.of().formatHex(w.guid());
      int round = Math.max(lastRound.getOrDefault(idKey, -1), rowKey == null ? -1 : lastRound.getOrDefault(rowKey, -1)) + 1;
      lastRound.put(idKey, round);
      if (rowKey != null) {
        lastRound.put(rowKey, round);
      }
      if (round == rounds.size()) {
        rounds.add(new ArrayList<>());
      }
      rounds.get(round).add(i);
    }
    return rounds;
  }

  private Future<Void> insertAll(SqlConnection conn, List<PeerWrite> writes, List<Integer> which,
                                 List<AsyncResult<byte[]>> results) {
    if (which.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = which.size();
    Buffer[] guids = new Buffer[n];
    String[] ids = new String[n];
    Buffer[] uuids = new Buffer[n];
    Buffer[] pks = new Buffer[n];
    String[] infos = new String[n];
    for (int k = 0; k < n; k++) {
      PeerWrite w = writes.get(which.get(k));
      guids[k] = buffer(SqlitePeerStore.newGuid());
      ids[k] = w.id();
      uuids[k] = buffer(w.uuid());
      pks[k] = buffer(w.pk());
      infos[k] = new JsonObject().put("ip", w.ipText()).encode();
    }
    return conn.preparedQuery(INSERT)
        .execute(Tuple.tuple().addValue(guids).addValue(ids).addValue(uuids).addValue(pks).addValue(infos))
        .map(rows -> {
          Map<String, byte[]> stored = new HashMap<>();
          for (Row row : rows) {
            // our new row, or the row another node inserted for the same device a moment ago
            stored.put(row.getString("id"), SqlitePeerStore.bytes(row.getValue("guid")));
          }
          for (int i : which) {
            String id = writes.get(i).id();
            byte[] guid = stored.get(id);
            results.set(i, guid != null ? Future.succeededFuture(guid) : Future.failedFuture(new IllegalStateException(
                "insert of peer " + id + " failed: the id belongs to another device (unique index index_peer_id)")));
          }
          return (Void) null;
        });
  }

  private Future<Void> updateAll(SqlConnection conn, List<PeerWrite> writes, List<Integer> which,
                                 List<AsyncResult<byte[]>> results) {
    if (which.isEmpty()) {
      return Future.succeededFuture();
    }
    Buffer[] guids = new Buffer[which.size()];
    for (int k = 0; k < guids.length; k++) {
      guids[k] = buffer(writes.get(which.get(k)).guid());
    }
    return conn.preparedQuery(LOCK_INFO).execute(Tuple.of(guids)).compose(locked -> {
      Map<String, String> infoByGuid = new HashMap<>();
      for (Row row : locked) {
        infoByGuid.put(HexFormat.of().formatHex(SqlitePeerStore.bytes(row.getValue("guid"))), nonNull(row.getString("info")));
      }
      List<Integer> present = new ArrayList<>();
      for (int i : which) {
        PeerWrite w = writes.get(i);
        if (infoByGuid.containsKey(HexFormat.of().formatHex(w.guid()))) {
          present.add(i);
        } else {
          results.set(i, Future.failedFuture(new IllegalStateException(
              "update of peer " + w.id() + " matched 0 rows (no row with that guid)")));
        }
      }
      if (present.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = present.size();
      Buffer[] g = new Buffer[n];
      String[] ids = new String[n];
      Buffer[] pks = new Buffer[n];
      String[] infos = new String[n];
      for (int k = 0; k < n; k++) {
        PeerWrite w = writes.get(present.get(k));
        g[k] = buffer(w.guid());
        ids[k] = w.id();
        pks[k] = buffer(w.pk());
        infos[k] = withIp(infoByGuid.get(HexFormat.of().formatHex(w.guid())), w.ipText());
      }
      return conn.preparedQuery(UPDATE)
          .execute(Tuple.tuple().addValue(g).addValue(ids).addValue(pks).addValue(infos))
          .map(rows -> {
            for (int i : present) {
              results.set(i, Future.succeededFuture(writes.get(i).guid()));
            }
            return (Void) null;
          });
    });
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /**
   * {@code info} with {@code ip} set and other keys kept; info that is not a JSON object becomes
   * {@code {"ip": ...}} (as {@link SqlitePeerStore}'s SQL does).
   */
  static String withIp(String info, String ip) {
    JsonObject json;
    try {
      json = new JsonObject(info);
    } catch (RuntimeException notAnObject) {
      json = new JsonObject();
    }
    return json.put("ip", ip).encode();
  }

  @Override
  protected Future<Void> probeWrite() {
    byte[] guid = SqlitePeerStore.newGuid();
    Buffer g = buffer(guid);
    String id = "vertdesk-write-probe-" + HexFormat.of().formatHex(guid);
    return pool.withTransaction(conn -> conn.preparedQuery(PROBE_INSERT).execute(Tuple.of(g, id))
        .compose(v -> conn.preparedQuery(PROBE_DELETE).execute(Tuple.of(g)))
        .mapEmpty());
  }

  @Override
  public Future<Void> ping() {
    return pool.query("select 1").execute().mapEmpty();
  }

  @Override
  public Future<Long> count() {
    return pool.query("select count(*) from peer").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  protected Future<Void> closeConnections() {
    return pool.close();
  }

  private static Buffer buffer(byte[] b) {
    return b == null ? null : Buffer.buffer(b);
  }
}
