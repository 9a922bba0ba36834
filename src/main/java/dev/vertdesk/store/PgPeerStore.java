package dev.vertdesk.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
 * Failures are never swallowed: connection, authentication and SQL errors fail the returned
 * future.
 *
 * <p>Safe with several nodes on one database:
 * <ul>
 *   <li>{@link #init()} creates the schema inside a transaction holding a transaction-level
 *       advisory lock, so nodes starting together do not trip over each other's
 *       {@code CREATE TABLE IF NOT EXISTS}.</li>
 *   <li>{@link #insert} is {@code INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE peer.uuid =
 *       excluded.uuid RETURNING guid}: when two nodes insert the same new ID for the same device
 *       (same {@code uuid}) at once, both succeed and get the one row's guid; a different device
 *       never takes over an existing ID (the insert fails, as on SQLite).</li>
 *   <li>{@link #update} reads {@code info} with {@code SELECT ... FOR UPDATE} and writes it back in
 *       one transaction, so the read-modify-write of {@code info.ip} cannot lose another node's
 *       concurrent change.</li>
 * </ul>
 *
 * <p>The password is never part of {@link #toString()}, {@link #describe()}, or any message this
 * class produces.
 */
public final class PgPeerStore implements PeerStore {

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

  private static final String SELECT_BY_ID =
      "select guid, id, uuid, pk, info from peer where id = $1";

  private static final String INSERT =
      "insert into peer (guid, id, uuid, pk, info) values ($1, $2, $3, $4, $5)"
          + " on conflict (id) do update set pk = excluded.pk, info = excluded.info"
          + " where peer.uuid = excluded.uuid"
          + " returning guid";

  private static final String LOCK_INFO = "select info from peer where guid = $1 for update";

  private static final String UPDATE = "update peer set id = $1, pk = $2, info = $3 where guid = $4";

  private final Settings settings;
  private final Pool pool;

  private PgPeerStore(Settings settings, Pool pool) {
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

  /** Creates the store from parsed settings; no connection is opened yet. */
  public static PgPeerStore create(Vertx vertx, Settings settings) {
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
    return new PgPeerStore(settings, pool);
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
        "cannot initialise PostgreSQL database " + settings.describe() + ": " + err.getMessage(), err)));
  }

  @Override
  public Future<StoredPeer> findById(String id) {
    return pool.preparedQuery(SELECT_BY_ID)
        .execute(Tuple.of(id))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          // index_peer_id is unique: at most one row
          Row row = rows.iterator().next();
          return new StoredPeer(
              SqlitePeerStore.bytes(row.getValue("guid")),
              row.getString("id"),
              SqlitePeerStore.bytes(row.getValue("uuid")),
              SqlitePeerStore.bytes(row.getValue("pk")),
              SqlitePeerStore.ipOf(row.getValue("info")));
        });
  }

  @Override
  public Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip) {
    byte[] guid = SqlitePeerStore.newGuid();
    String info = new JsonObject().put("ip", ip == null ? "" : ip).encode();
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(buffer(guid), id, buffer(uuid), buffer(pk), info))
        .compose(rows -> {
          if (rows.size() == 1) {
            // our new row, or the row another node inserted for the same device a moment ago
            return Future.succeededFuture(SqlitePeerStore.bytes(rows.iterator().next().getValue("guid")));
          }
          return Future.failedFuture(new IllegalStateException("insert of peer " + id
              + " failed: the id belongs to another device (unique index index_peer_id)"));
        });
  }

  @Override
  public Future<Void> update(byte[] guid, String id, byte[] pk, String ip) {
    String v = ip == null ? "" : ip;
    Buffer g = buffer(guid);
    return pool.withTransaction(conn -> lockedInfo(conn, g)
        .compose(info -> {
          if (info == null) {
            return Future.failedFuture(new IllegalStateException(
                "update of peer " + id + " matched 0 rows (no row with that guid)"));
          }
          return conn.preparedQuery(UPDATE)
              .execute(Tuple.of(id, buffer(pk), withIp(info, v), g))
              .compose(rows -> checkUpdated(rows, id));
        }));
  }

  /** The row's info, locked until the transaction ends; {@code null} when there is no row. */
  private static Future<String> lockedInfo(SqlConnection conn, Buffer guid) {
    return conn.preparedQuery(LOCK_INFO).execute(Tuple.of(guid))
        .map(rows -> rows.size() == 0 ? null : nonNull(rows.iterator().next().getString("info")));
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static Future<Void> checkUpdated(RowSet<Row> rows, String id) {
    if (rows.rowCount() == 1) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new IllegalStateException(
        "update of peer " + id + " matched " + rows.rowCount() + " rows (no row with that guid)"));
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
  public Future<Void> ping() {
    return pool.query("select 1").execute().mapEmpty();
  }

  @Override
  public Future<Long> count() {
    return pool.query("select count(*) from peer").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static Buffer buffer(byte[] b) {
    return b == null ? null : Buffer.buffer(b);
  }
}
