package dev.vertdesk.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * {@link PeerStore} on a SQLite file, schema-compatible with rustdesk-server's {@code db_v2.sqlite3}
 * (docs/protocol.md §8).
 *
 * <p>All JDBC work is done by {@code vertx-jdbc-client} on worker threads; the returned futures
 * complete on the caller's context. The pool holds a single connection (SQLite has one writer), the
 * database runs in WAL mode and every connection gets a busy timeout. BLOB parameters are bound as
 * {@code byte[]} (a {@link Buffer} parameter would go through {@code Connection.createBlob()}, which
 * sqlite-jdbc does not implement).
 *
 * <p>Failures are never swallowed: every SQL error fails the returned future.
 */
public final class SqlitePeerStore implements PeerStore {

  /** rustdesk-server's default {@code DB_URL}, relative to the working / data directory. */
  public static final String DEFAULT_DB_FILE = "db_v2.sqlite3";

  /** Busy timeout per connection, as sqlx's default (5 s). */
  static final int BUSY_TIMEOUT_MS = 5_000;

  /*
   * rustdesk-server's create_tables(), statement by statement and with the same text (SQLite keeps
   * the CREATE text in sqlite_master, so a fresh database is identical to one hbbs would create).
   */
  private static final String CREATE_TABLE =
      "create table if not exists peer (\n"
          + "                guid blob primary key not null,\n"
          + "                id varchar(100) not null,\n"
          + "                uuid blob not null,\n"
          + "                pk blob not null,\n"
          + "                created_at datetime not null default(current_timestamp),\n"
          + "                user blob,\n"
          + "                status tinyint,\n"
          + "                note varchar(300),\n"
          + "                info text not null\n"
          + "            ) without rowid";

  static final List<String> SCHEMA = List.of(
      CREATE_TABLE,
      "create unique index if not exists index_peer_id on peer (id)",
      "create index if not exists index_peer_user on peer (user)",
      "create index if not exists index_peer_created_at on peer (created_at)",
      "create index if not exists index_peer_status on peer (status)");

  private static final String SELECT_BY_ID =
      "select guid, id, uuid, pk, info from peer where id = ?";

  private static final String INSERT =
      "insert into peer (guid, id, uuid, pk, info) values (?, ?, ?, ?, ?)";

  /*
   * Read-modify-write of info.ip in SQL: other keys of info are kept; info that is not a JSON
   * object is replaced by {"ip": ...}. CASE is evaluated lazily, so json_type never sees bad JSON.
   */
  private static final String UPDATE =
      "update peer set id = ?, pk = ?, info = case when json_valid(info) then"
          + " case when json_type(info) = 'object' then json_set(info, '$.ip', ?)"
          + " else json_object('ip', ?) end"
          + " else json_object('ip', ?) end"
          + " where guid = ?";

  private final Path dbFile;
  private final Pool pool;

  private SqlitePeerStore(Path dbFile, Pool pool) {
    this.dbFile = dbFile;
    this.pool = pool;
  }

  /**
   * Creates the store; no connection is opened until the first operation (normally {@link #init()}),
   * so this never blocks.
   *
   * @throws IllegalArgumentException if the path cannot be expressed as a sqlite-jdbc URL
   */
  public static SqlitePeerStore create(Vertx vertx, Path dbFile) {
    Objects.requireNonNull(vertx, "vertx");
    Path file = Objects.requireNonNull(dbFile, "dbFile").toAbsolutePath().normalize();
    String name = file.toString();
    if (name.indexOf('?') >= 0) {
      // sqlite-jdbc reads everything after '?' as connection pragmas
      throw new IllegalArgumentException("SQLite database path must not contain '?': " + name);
    }
    JDBCConnectOptions connect = new JDBCConnectOptions()
        .setJdbcUrl(jdbcUrl(file));
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(1)
        .setName("vertdesk-sqlite");
    return new SqlitePeerStore(file, JDBCPool.pool(vertx, connect, poolOptions));
  }

  /**
   * Convenience for a {@code DB_URL}-style setting: see {@link #sqlitePathFromUrl(String, Path)}.
   */
  public static SqlitePeerStore create(Vertx vertx, String dbUrl, Path dataDir) {
    return create(vertx, sqlitePathFromUrl(dbUrl, dataDir));
  }

  /**
   * The database file named by rustdesk's {@code DB_URL}: a plain path, {@code sqlite://path} or
   * {@code sqlite:path} (sqlx's forms; {@code sqlite:///abs} is the absolute {@code /abs}). A
   * {@code ?query} suffix (sqlx options such as {@code mode=rwc}) is dropped. A relative path is
   * resolved against {@code dataDir}. {@code null} or blank means the default
   * {@value #DEFAULT_DB_FILE}.
   *
   * @throws IllegalArgumentException for an in-memory database or a URL without a path
   */
  public static Path sqlitePathFromUrl(String dbUrl, Path dataDir) {
    Objects.requireNonNull(dataDir, "dataDir");
    String s = dbUrl == null ? "" : dbUrl.trim();
    if (s.isEmpty()) {
      return dataDir.resolve(DEFAULT_DB_FILE).normalize();
    }
    String lower = s.toLowerCase(Locale.ROOT);
    boolean hasScheme = false;
    if (lower.startsWith("sqlite://")) {
      s = s.substring("sqlite://".length());
      hasScheme = true;
    } else if (lower.startsWith("sqlite:")) {
      s = s.substring("sqlite:".length());
      hasScheme = true;
    }
    if (hasScheme) {
      int q = s.indexOf('?');
      if (q >= 0) {
        s = s.substring(0, q);
      }
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("DB_URL names no database file: " + dbUrl);
    }
    if (s.equals(":memory:")) {
      throw new IllegalArgumentException("in-memory SQLite is not supported for DB_URL: " + dbUrl);
    }
    Path p = Path.of(s);
    return (p.isAbsolute() ? p : dataDir.resolve(p)).normalize();
  }

  public static String jdbcUrl(Path file) {
    // sqlite-jdbc applies these pragmas to every connection it opens.
    return "jdbc:sqlite:" + file + "?journal_mode=WAL&busy_timeout=" + BUSY_TIMEOUT_MS;
  }

  /** The absolute database file. */
  public Path file() {
    return dbFile;
  }

  /** For tests and diagnostics in this package. */
  Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> init() {
    Future<Void> done = pool.withConnection(conn -> {
      Future<Void> chain = conn.query("PRAGMA journal_mode=WAL").execute().mapEmpty();
      for (String ddl : SCHEMA) {
        chain = chain.compose(v -> conn.query(ddl).execute().mapEmpty());
      }
      return chain;
    });
    return done.recover(err -> Future.failedFuture(new IllegalStateException(
        "cannot initialise SQLite database " + dbFile + ": " + err.getMessage(), err)));
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
              bytes(row.getValue("guid")),
              row.getString("id"),
              bytes(row.getValue("uuid")),
              bytes(row.getValue("pk")),
              ipOf(row.getValue("info")));
        });
  }

  @Override
  public Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip) {
    byte[] guid = newGuid();
    String info = new JsonObject().put("ip", ip == null ? "" : ip).encode();
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(guid, id, uuid, pk, info))
        .compose(rows -> rows.rowCount() == 1
            ? Future.succeededFuture(guid)
            : Future.failedFuture(new IllegalStateException(
                "insert of peer " + id + " affected " + rows.rowCount() + " rows")));
  }

  @Override
  public Future<Void> update(byte[] guid, String id, byte[] pk, String ip) {
    String v = ip == null ? "" : ip;
    return pool.preparedQuery(UPDATE)
        .execute(Tuple.of(id, pk, v, v, v, guid))
        .compose(rows -> checkUpdated(rows, id));
  }

  private static Future<Void> checkUpdated(RowSet<Row> rows, String id) {
    if (rows.rowCount() == 1) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new IllegalStateException(
        "update of peer " + id + " matched " + rows.rowCount() + " rows (no row with that guid)"));
  }

  @Override
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  @Override
  public Future<Long> count() {
    return pool.query("SELECT COUNT(*) FROM peer").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  /** 16 random bytes laid out as a version-4 UUID (big-endian, as rustdesk's {@code Uuid::new_v4}). */
  static byte[] newGuid() {
    UUID u = UUID.randomUUID();
    return ByteBuffer.allocate(16)
        .putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits())
        .array();
  }

  /** A BLOB column as bytes, whichever representation the driver path produced. */
  static byte[] bytes(Object value) {
    if (value == null) {
      return new byte[0];
    }
    if (value instanceof byte[] b) {
      return b;
    }
    if (value instanceof Buffer b) {
      return b.getBytes();
    }
    if (value instanceof String s) {
      // a BLOB column may hold TEXT in SQLite (dynamic typing)
      return s.getBytes(StandardCharsets.UTF_8);
    }
    throw new IllegalStateException("unexpected BLOB value type " + value.getClass().getName());
  }

  /** {@code info.ip}, or {@code ""} when info is missing, not a JSON object, or has no string ip. */
  static String ipOf(Object info) {
    String text;
    if (info == null) {
      return "";
    } else if (info instanceof String s) {
      text = s;
    } else if (info instanceof byte[] b) {
      text = new String(b, StandardCharsets.UTF_8);
    } else if (info instanceof Buffer b) {
      text = b.toString(StandardCharsets.UTF_8);
    } else {
      return "";
    }
    try {
      Object ip = new JsonObject(text).getValue("ip");
      return ip instanceof String s ? s : "";
    } catch (RuntimeException garbled) {
      return "";
    }
  }
}
