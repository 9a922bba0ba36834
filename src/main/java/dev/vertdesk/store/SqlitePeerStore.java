package dev.vertdesk.store;

import dev.vertdesk.config.StoreOptions;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;

/**
 * {@link PeerStore} on a SQLite file, schema-compatible with rustdesk-server's {@code db_v2.sqlite3}
 * (docs/protocol.md §8), in WAL mode with a busy timeout on every connection.
 *
 * <p>SQLite has one writer, so writes go through one connection on a thread of its own, in
 * batches of one transaction each ({@link BatchedPeerStore}): one fsync per batch instead of one
 * per row. Reads go through a second connection ({@code vertx-jdbc-client}, a pool of one), which
 * WAL lets read while the writer commits. BLOB parameters are bound as {@code byte[]} (a
 * {@link Buffer} parameter would go through {@code Connection.createBlob()}, which sqlite-jdbc
 * does not implement).
 *
 * <p>At {@link #init()} SQLite's {@code quick_check} runs, bounded by
 * {@code db.quickCheckSeconds}: a damaged file stops the start with a message naming it and how
 * to recover, before any device is refused for it. Before each write the file at the path is
 * checked to be the one the writer has open: writes into a file that was removed or replaced
 * would be lost at the next start, so they fail instead.
 *
 * <p>Failures are never swallowed: every SQL error fails the returned future.
 */
public final class SqlitePeerStore extends BatchedPeerStore {

  private static final Logger LOG = LoggerFactory.getLogger(SqlitePeerStore.class);
  private static final AtomicInteger WRITERS = new AtomicInteger();
  /** Errors {@code quick_check} lists at most. */
  private static final int QUICK_CHECK_ERRORS = 10;

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

  private static final String SELECT_BY_IDS = "select guid, id, uuid, pk, info from peer where id in (";

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

  /* The write probe: a row that exists only inside its own transaction, so nobody ever sees it. */
  private static final String PROBE_INSERT =
      "insert into peer (guid, id, uuid, pk, info) values (?, ?, x'', x'', '{}')";
  private static final String PROBE_DELETE = "delete from peer where guid = ?";


  private final Path dbFile;
  private final Pool pool;
  private final WorkerExecutor writerThread;
  private final int quickCheckSeconds;
  // confined to writerThread
  private Connection writer;
  private Object openedFile;
  private PreparedStatement insert;
  private PreparedStatement update;

  private SqlitePeerStore(Vertx vertx, Path dbFile, Pool pool, StoreOptions options) {
    super(vertx, options);
    this.dbFile = dbFile;
    this.pool = pool;
    this.quickCheckSeconds = options.quickCheckSeconds();
    // one thread: SQLite's single writer; quick_check may run long at start
    this.writerThread = vertx.createSharedWorkerExecutor("vertdesk-sqlite-writer-" + WRITERS.incrementAndGet(), 1,
        Math.max(60, options.quickCheckSeconds() + 10L), TimeUnit.SECONDS);
  }

  /** The store with the shipped defaults of {@code db.*}; see {@link #create(Vertx, Path, StoreOptions)}. */
  public static SqlitePeerStore create(Vertx vertx, Path dbFile) {
    return create(vertx, dbFile, StoreOptions.defaults());
  }

  /**
   * Creates the store; no connection is opened until the first operation (normally {@link #init()}),
   * so this never blocks.
   *
   * @throws IllegalArgumentException if the path cannot be expressed as a sqlite-jdbc URL
   */
  public static SqlitePeerStore create(Vertx vertx, Path dbFile, StoreOptions options) {
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
    return new SqlitePeerStore(vertx, file, JDBCPool.pool(vertx, connect, poolOptions), options);
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

  /** The reading connection; also for tests in this package. */
  Pool pool() {
    return pool;
  }

  @Override
  public Future<Void> init() {
    return writerThread.executeBlocking(() -> {
      try {
        Connection c = writer();
        quickCheck(c);
        try (Statement st = c.createStatement()) {
          st.execute("PRAGMA journal_mode=WAL");
          for (String ddl : SCHEMA) {
            st.execute(ddl);
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c);
          throw e;
        }
      } catch (SQLException e) {
        if (isDamage(e)) {
          throw new IllegalStateException(damaged(e.getMessage()), e);
        }
        throw e;
      }
      return (Void) null;
    }, false).recover(err -> Future.failedFuture(new IllegalStateException(
        "cannot initialise SQLite database " + dbFile + ": " + err.getMessage(), err)))
        .onSuccess(v -> startProbes());
  }

  /** The writing connection, opened on first use; on the writer thread only. */
  private Connection writer() throws SQLException {
    if (writer == null) {
      Connection c = DriverManager.getConnection(jdbcUrl(dbFile));
      try {
        c.setAutoCommit(false);
        openedFile = fileKey();
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
      writer = c;
    }
    return writer;
  }

  /**
   * {@code PRAGMA quick_check} within {@code db.quickCheckSeconds}: a damaged database stops the
   * start. A check that runs out of time is abandoned with a warning.
   */
  private void quickCheck(Connection c) throws SQLException {
    if (quickCheckSeconds == 0) {
      return;
    }
    List<String> problems = new ArrayList<>();
    try (Statement st = c.createStatement()) {
      // sqlite3_interrupt acts on the connection: only while the check runs, never on what follows
      boolean[] running = {true};
      long timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(quickCheckSeconds), t -> {
        synchronized (running) {
          if (running[0]) {
            try {
              st.cancel(); // the check stops with SQLITE_INTERRUPT
            } catch (SQLException ignored) {
              // the check has ended meanwhile
            }
          }
        }
      });
      try (ResultSet rs = st.executeQuery("PRAGMA quick_check(" + QUICK_CHECK_ERRORS + ")")) {
        while (rs.next()) {
          String line = rs.getString(1);
          if (!"ok".equalsIgnoreCase(line)) {
            problems.add(line);
          }
        }
      } catch (SQLException e) {
        if (e.getErrorCode() != SQLiteErrorCode.SQLITE_INTERRUPT.code) {
          throw e; // damage reported as an error rather than as lines: see init
        }
        LOG.warn("quick_check of {} did not finish within {} s (db.quickCheckSeconds); starting without it",
            dbFile, quickCheckSeconds);
      } finally {
        synchronized (running) {
          running[0] = false;
        }
        vertx.cancelTimer(timer);
        c.rollback();
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(damaged(String.join("; ", problems)));
    }
  }

  /** SQLite found the file damaged, or not a database at all. */
  private static boolean isDamage(SQLException e) {
    return e.getErrorCode() == SQLiteErrorCode.SQLITE_CORRUPT.code
        || e.getErrorCode() == SQLiteErrorCode.SQLITE_NOTADB.code;
  }

  /** What a damaged database means and how to recover from it. */
  private String damaged(String details) {
    String f = dbFile.toString();
    return "the database file is damaged (PRAGMA quick_check: " + details + "). The server does not start on it,"
        + " rather than refuse devices or make them take new IDs. To recover: stop every program using " + f
        + " and keep a copy of it (with its -wal file, if any); then restore a backup, or rebuild it with the"
        + " sqlite3 shell: sqlite3 '" + f + "' .recover | sqlite3 '" + f + ".recovered' && mv '" + f
        + ".recovered' '" + f + "' (devices missing from the rebuilt file register again with their keys)";
  }

  /** The identity of the file at the path now (device and inode), or {@code null} when there is none. */
  private Object fileKey() {
    try {
      BasicFileAttributes a = Files.readAttributes(dbFile, BasicFileAttributes.class);
      return a.isRegularFile() ? a.fileKey() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Fails when the file at the path is no longer the one the writer has open. */
  private void checkSameFile() {
    if (openedFile != null && !openedFile.equals(fileKey())) {
      throw new IllegalStateException("the database file " + dbFile + " was removed or replaced while the"
          + " server had it open: writes would go to a file nobody reads; put the file back, or restart");
    }
  }

  @Override
  protected Future<Map<String, StoredPeer>> readBatch(List<String> ids) {
    StringBuilder sql = new StringBuilder(SELECT_BY_IDS.length() + 2 * ids.size());
    sql.append(SELECT_BY_IDS);
    for (int i = 0; i < ids.size(); i++) {
      sql.append(i == 0 ? "?" : ",?");
    }
    sql.append(')');
    return pool.preparedQuery(sql.toString())
        .execute(Tuple.from(ids))
        .map(rows -> {
          Map<String, StoredPeer> found = new HashMap<>();
          for (Row row : rows) {
            // index_peer_id is unique: at most one row per id
            StoredPeer p = new StoredPeer(
                bytes(row.getValue("guid")),
                row.getString("id"),
                bytes(row.getValue("uuid")),
                bytes(row.getValue("pk")),
                ipOf(row.getValue("info")));
            found.put(p.id(), p);
          }
          return found;
        });
  }

  @Override
  protected Future<List<AsyncResult<byte[]>>> writeBatch(List<PeerWrite> writes) {
    return writerThread.executeBlocking(() -> {
      Connection c = writer();
      checkSameFile();
      List<AsyncResult<byte[]>> out = new ArrayList<>(writes.size());
      try {
        for (PeerWrite w : writes) {
          out.add(w.isInsert() ? insertRow(w) : updateRow(w));
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
      return out;
    }, false);
  }

  private AsyncResult<byte[]> insertRow(PeerWrite w) throws SQLException {
    if (insert == null) {
      insert = writer.prepareStatement(INSERT); // once the table exists
    }
    byte[] guid = newGuid();
    insert.setBytes(1, guid);
    insert.setString(2, w.id());
    insert.setBytes(3, w.uuid());
    insert.setBytes(4, w.pk());
    insert.setString(5, new JsonObject().put("ip", w.ipText()).encode());
    try {
      int rows = insert.executeUpdate();
      return rows == 1 ? Future.succeededFuture(guid) : Future.failedFuture(new IllegalStateException(
          "insert of peer " + w.id() + " affected " + rows + " rows"));
    } catch (SQLException e) {
      return rowFailure(e);
    }
  }

  private AsyncResult<byte[]> updateRow(PeerWrite w) throws SQLException {
    if (update == null) {
      update = writer.prepareStatement(UPDATE);
    }
    String ip = w.ipText();
    update.setString(1, w.id());
    update.setBytes(2, w.pk());
    update.setString(3, ip);
    update.setString(4, ip);
    update.setString(5, ip);
    update.setBytes(6, w.guid());
    try {
      int rows = update.executeUpdate();
      return rows == 1 ? Future.succeededFuture(w.guid()) : Future.failedFuture(new IllegalStateException(
          "update of peer " + w.id() + " matched " + rows + " rows (no row with that guid)"));
    } catch (SQLException e) {
      return rowFailure(e);
    }
  }

  /**
   * A constraint fails only its own row (SQLite undoes that statement, not the transaction);
   * anything else (I/O, a full disk, a damaged file, a lock held too long) fails the batch.
   */
  private static AsyncResult<byte[]> rowFailure(SQLException e) throws SQLException {
    if (e.getErrorCode() == SQLiteErrorCode.SQLITE_CONSTRAINT.code) {
      return Future.failedFuture(e);
    }
    throw e;
  }

  @Override
  protected Future<Void> probeWrite() {
    return writerThread.executeBlocking(() -> {
      Connection c = writer();
      checkSameFile();
      byte[] guid = newGuid();
      String id = "vertdesk-write-probe-" + HexFormat.of().formatHex(guid);
      try (PreparedStatement in = c.prepareStatement(PROBE_INSERT);
           PreparedStatement out = c.prepareStatement(PROBE_DELETE)) {
        in.setBytes(1, guid);
        in.setString(2, id);
        in.executeUpdate();
        out.setBytes(1, guid);
        out.executeUpdate();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
      return (Void) null;
    }, false);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the transaction is gone already; the error that brought us here is what counts
    }
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
  protected Future<Void> closeConnections() {
    Future<Void> writerClosed = writerThread.executeBlocking(() -> {
      if (writer != null) {
        writer.close(); // closes its statements
        writer = null;
        insert = null;
        update = null;
      }
      return (Void) null;
    }, false);
    return Future.join(pool.close(), writerClosed)
        .eventually(() -> writerThread.close())
        .mapEmpty();
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
