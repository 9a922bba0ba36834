package dev.vertdesk.db;

import dev.vertdesk.store.PeerStores;
import dev.vertdesk.store.SqlitePeerStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database of everything the API keeps (users, tokens, devices ...), next to the peer table:
 * the SQLite file of a single node or the PostgreSQL database a cluster shares ({@code db.url}).
 * The schema comes from versioned migrations ({@code src/main/resources/db/migration}, run by
 * Flyway at start, in SQL both databases speak); queries are written once, with {@code ?}
 * placeholders, and run on either. Every call completes on the caller's context and never blocks
 * an event loop.
 */
public final class Database {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  /** Where the migrations are; their history table keeps clear of rustdesk-server's tables. */
  static final String MIGRATIONS = "classpath:db/migration";
  static final String HISTORY_TABLE = "vertdesk_schema_history";

  /** Which SQL engine is behind the pool. */
  public enum Dialect { SQLITE, POSTGRES }

  private final Pool pool;
  private final Dialect dialect;
  /** {@code ?} SQL → the engine's own placeholders; the statements are the code's, so few. */
  private final Map<String, String> translated = new ConcurrentHashMap<>();

  private Database(Pool pool, Dialect dialect) {
    this.pool = pool;
    this.dialect = dialect;
  }

  /**
   * Opens the pool and brings the schema up to date (on a worker thread); fails naming the
   * migration that could not run.
   */
  public static Future<Database> open(Vertx vertx, PeerStores.Location location) {
    Database db;
    Supplier<Flyway> flyway;
    if (location instanceof PeerStores.Postgres pg) {
      PgConnectOptions o = pg.settings().connectOptions();
      db = new Database(PgBuilder.pool().with(new PoolOptions().setMaxSize(pg.settings().poolSize())
          .setName("vertdesk-api-pg")).connectingTo(o).using(vertx).build(), Dialect.POSTGRES);
      flyway = () -> flyway(jdbcUrl(o), o.getUser(), o.getPassword());
    } else {
      String url = SqlitePeerStore.jdbcUrl(((PeerStores.SqliteFile) location).file());
      // one connection: SQLite has a single writer, and a pool of one never meets SQLITE_BUSY
      // on a lock upgrade inside its own transactions
      db = new Database(JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url),
          new PoolOptions().setMaxSize(1).setName("vertdesk-api-sqlite")), Dialect.SQLITE);
      flyway = () -> flyway(url, null, null);
    }
    return vertx.executeBlocking(() -> {
      // Flyway's set-up loads and scans classes for seconds on a cold JVM: a worker's job too
      int applied = flyway.get().migrate().migrationsExecuted;
      if (applied > 0) {
        LOG.info("database schema: {} migration(s) applied", applied);
      }
      return db;
    }).onFailure(e -> db.close());
  }

  private static Flyway flyway(String url, String user, String password) {
    return Flyway.configure(Database.class.getClassLoader())
        .dataSource(url, user, password)
        .locations(MIGRATIONS)
        .table(HISTORY_TABLE)
        // the peer table of rustdesk-server may be there already: our history starts beside it
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load();
  }

  /** The JDBC form of the PostgreSQL settings, for the migrations; the password goes apart. */
  static String jdbcUrl(PgConnectOptions o) {
    String host = o.getHost().contains(":") ? "[" + o.getHost() + "]" : o.getHost();
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(o.getPort())
        .append('/').append(encode(o.getDatabase()))
        .append("?sslmode=").append(switch (o.getSslMode()) {
          case DISABLE -> "disable";
          case ALLOW -> "allow";
          case PREFER -> "prefer";
          default -> "require";
        })
        .append("&ApplicationName=").append(encode(o.getProperties().getOrDefault("application_name", "vertdesk")));
    String searchPath = o.getProperties().get("search_path");
    if (searchPath != null) {
      url.append("&currentSchema=").append(encode(searchPath));
    }
    return url.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  public Dialect dialect() {
    return dialect;
  }

  // ------------------------------------------------------------------ queries

  public Future<RowSet<Row>> execute(String sql, Object... args) {
    return execute(pool, sql, args);
  }

  /** Every row, mapped. */
  public <T> Future<List<T>> list(String sql, Function<Row, T> map, Object... args) {
    return list(pool, sql, map, args);
  }

  /** The first row mapped, or {@code null} when there is none. */
  public <T> Future<T> first(String sql, Function<Row, T> map, Object... args) {
    return first(pool, sql, map, args);
  }

  /** Rows changed. */
  public Future<Integer> update(String sql, Object... args) {
    return update(pool, sql, args);
  }

  /** Runs {@code work} in one transaction: committed when its future succeeds, else rolled back. */
  public <T> Future<T> inTransaction(Function<Tx, Future<T>> work) {
    if (dialect == Dialect.POSTGRES) {
      return pool.withTransaction(conn -> work.apply(new Tx(conn)));
    }
    // SQLite over JDBC: after a rollback, Vert.x's transaction left the pooled connection out of
    // auto-commit, so the statements that followed were never committed (and the next rollback
    // took them away). Plain BEGIN / COMMIT / ROLLBACK leave the driver in auto-commit.
    return pool.withConnection(conn -> conn.query("begin immediate").execute()
        .compose(begun -> work.apply(new Tx(conn)).transform(ar -> ar.succeeded()
            ? conn.query("commit").execute().map(ar.result())
            : conn.query("rollback").execute().transform(x -> Future.<T>failedFuture(ar.cause())))));
  }

  /** A round trip, for readiness. */
  public Future<Void> ping() {
    return execute("select 1").mapEmpty();
  }

  public Future<Void> close() {
    return pool.close();
  }

  /** The statements of one transaction. */
  public final class Tx {
    private final SqlClient conn;

    Tx(SqlClient conn) {
      this.conn = conn;
    }

    public Future<RowSet<Row>> execute(String sql, Object... args) {
      return Database.this.execute(conn, sql, args);
    }

    public <T> Future<List<T>> list(String sql, Function<Row, T> map, Object... args) {
      return Database.this.list(conn, sql, map, args);
    }

    public <T> Future<T> first(String sql, Function<Row, T> map, Object... args) {
      return Database.this.first(conn, sql, map, args);
    }

    public Future<Integer> update(String sql, Object... args) {
      return Database.this.update(conn, sql, args);
    }

    /** One statement run for each row of arguments, in one round trip where the engine allows. */
    public Future<Void> batch(String sql, List<Object[]> rows) {
      if (rows.isEmpty()) {
        return Future.succeededFuture();
      }
      List<Tuple> tuples = new ArrayList<>(rows.size());
      for (Object[] args : rows) {
        tuples.add(Tuple.wrap(normalized(args)));
      }
      return conn.preparedQuery(sql(sql)).executeBatch(tuples).mapEmpty();
    }
  }

  private Future<RowSet<Row>> execute(SqlClient client, String sql, Object... args) {
    return client.preparedQuery(sql(sql)).execute(Tuple.wrap(normalized(args)));
  }

  private <T> Future<List<T>> list(SqlClient client, String sql, Function<Row, T> map, Object... args) {
    return execute(client, sql, args).map(rows -> {
      List<T> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        out.add(map.apply(r));
      }
      return out;
    });
  }

  private <T> Future<T> first(SqlClient client, String sql, Function<Row, T> map, Object... args) {
    return execute(client, sql, args).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? map.apply(it.next()) : null;
    });
  }

  private Future<Integer> update(SqlClient client, String sql, Object... args) {
    return execute(client, sql, args).map(RowSet::rowCount);
  }

  /** Booleans are stored as 0/1 in both engines (SQLite has no boolean type). */
  private static List<Object> normalized(Object[] args) {
    List<Object> out = new ArrayList<>(args.length);
    for (Object a : args) {
      out.add(a instanceof Boolean b ? (b ? 1 : 0) : a);
    }
    return out;
  }

  String sql(String sql) {
    return dialect == Dialect.POSTGRES ? translated.computeIfAbsent(sql, Database::numbered) : sql;
  }

  /** {@code ?} → {@code $1, $2 ...}, outside quoted text. */
  static String numbered(String sql) {
    StringBuilder out = new StringBuilder(sql.length() + 8);
    int n = 0;
    char quote = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
        out.append(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
        out.append(c);
      } else if (c == '?') {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A boolean column (0/1). */
  public static boolean bool(Row r, String column) {
    Number n = (Number) r.getValue(column);
    return n != null && n.intValue() != 0;
  }

  /** A BIGINT or INTEGER column, 0 when null. */
  public static long number(Row r, String column) {
    Number n = (Number) r.getValue(column);
    return n == null ? 0 : n.longValue();
  }
}
