import dev.vertdesk.config.StoreOptions;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.PgPeerStore;
import dev.vertdesk.store.SqlitePeerStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The reference of bench/udp/regpk.sh: how many peer rows the database itself takes per second
 * when rows come in transactions of a batch each, one transaction at a time, as one writer does.
 * The schema is the server's own (created by its store), the rows are what a RegisterPk writes
 * (random 16-byte guid, a 9-digit ID, 16-byte uuid, 32-byte key, {"ip":...}), and nothing else
 * runs: no network, no registry, no queue. Also counts the rows a run left, to check every OK.
 *
 *   java -cp vertdesk.jar:. StoreCeiling sqlite <file> <batch> <warmsec> <sec>
 *   java -cp vertdesk.jar:. StoreCeiling postgres <postgres://url> <batch> <warmsec> <sec>
 *   java -cp vertdesk.jar:. StoreCeiling count-sqlite <file> <first id>
 *   java -cp vertdesk.jar:. StoreCeiling count-postgres <postgres://url> <first id>
 *
 * Prints one line of key=value pairs: rows and rows_per_s over <sec> after <warmsec>, and foreign:
 * the box's user CPU over that window not spent by this process or by the processes listed in the
 * system property {@code pids} (the database server), in cores (docs/performance.md
 * "Environment"); or, for count-*, rows.
 */
public final class StoreCeiling {

  private static final String INSERT = "insert into peer (guid, id, uuid, pk, info) values (?, ?, ?, ?, ?)";
  private static final String PG_INSERT = "insert into peer (guid, id, uuid, pk, info) values ($1, $2, $3, $4, $5)";

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    switch (mode) {
      case "sqlite" -> sqlite(Path.of(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]),
          Double.parseDouble(args[4]));
      case "postgres" -> postgres(args[1], Integer.parseInt(args[2]), Double.parseDouble(args[3]),
          Double.parseDouble(args[4]));
      case "count-sqlite" -> {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + args[1]);
             PreparedStatement ps = c.prepareStatement("select count(*) from peer where id >= ? and length(id) = ?")) {
          ps.setString(1, args[2]);
          ps.setInt(2, args[2].length());
          try (ResultSet rs = ps.executeQuery()) {
            System.out.println("rows=" + rs.getLong(1));
          }
        }
      }
      case "count-postgres" -> {
        Vertx vertx = Vertx.vertx();
        try {
          Pool pool = PgBuilder.pool().connectingTo(PgPeerStore.parseUrl(args[1]).connectOptions()).using(vertx).build();
          long n = pool.preparedQuery("select count(*) as n from peer where id >= $1 and length(id) = $2")
              .execute(Tuple.of(args[2], args[2].length())).await(60, TimeUnit.SECONDS).iterator().next().getLong("n");
          System.out.println("rows=" + n);
        } finally {
          vertx.close().await(10, TimeUnit.SECONDS);
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
    System.exit(0);
  }

  /** The rows of one transaction: what RegisterPk of new devices writes. */
  private static final class Rows {
    private final Random random = new Random();
    private long next = 300_000_000L;

    byte[] bytes(int n) {
      byte[] b = new byte[n];
      random.nextBytes(b);
      return b;
    }

    String id() {
      return Long.toString(next++);
    }

    static byte[] guid() {
      UUID u = UUID.randomUUID();
      return java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }
  }

  /** Rows committed after the warm-up, over the time they took. */
  private static final class Window {
    private final long warmEnd;
    private final long end;
    private long first = -1;
    private long last;
    private long rows;

    private long[] cpuAtStart;

    Window(double warmSec, double sec) {
      long start = System.nanoTime();
      warmEnd = start + (long) (warmSec * 1e9);
      end = warmEnd + (long) (sec * 1e9);
    }

    /** User ticks of the whole box, and of this process and the listed ones. */
    private static long[] cpu() {
      try {
        String[] box = java.nio.file.Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long ours = userTicks("self");
        for (String pid : System.getProperty("pids", "").split("[ ,]+")) {
          if (!pid.isBlank()) {
            ours += userTicks(pid.trim());
          }
        }
        return new long[] {Long.parseLong(box[1]) + Long.parseLong(box[2]), ours};
      } catch (java.io.IOException | RuntimeException e) {
        return new long[] {0, 0};
      }
    }

    private static long userTicks(String pid) {
      try {
        String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[13]); // utime, cutime
      } catch (java.io.IOException | RuntimeException gone) {
        return 0;
      }
    }

    boolean open() {
      return System.nanoTime() < end;
    }

    void committed(int n) {
      long t = System.nanoTime();
      if (t <= warmEnd) {
        return;
      }
      if (first < 0) {
        first = warmEnd;
        cpuAtStart = cpu();
      }
      rows += n;
      last = t;
    }

    void print() {
      double sec = Math.max(1e-9, (last - first) / 1e9);
      long[] now = cpu();
      double foreign = cpuAtStart == null ? 0
          : ((now[0] - cpuAtStart[0]) - (now[1] - cpuAtStart[1])) / 100.0 / sec; // USER_HZ is 100 on Linux
      System.out.printf("mode=ceiling rows=%d sec=%.2f rows_per_s=%.0f foreign=%.3f%n", rows, sec, rows / sec, foreign);
    }
  }

  private static void schema(PeerStore store, Vertx vertx) throws Exception {
    try {
      store.init().await(60, TimeUnit.SECONDS);
      store.close().await(60, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void sqlite(Path file, int batch, double warmSec, double sec) throws Exception {
    Vertx vertx = Vertx.vertx();
    schema(SqlitePeerStore.create(vertx, file, StoreOptions.defaults()), vertx);
    Rows rows = new Rows();
    // the server's connection settings: WAL, and SQLite's default synchronous=FULL (an fsync per commit)
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file + "?journal_mode=WAL&busy_timeout=5000")) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        Window w = new Window(warmSec, sec);
        while (w.open()) {
          for (int i = 0; i < batch; i++) {
            ps.setBytes(1, Rows.guid());
            ps.setString(2, rows.id());
            ps.setBytes(3, rows.bytes(16));
            ps.setBytes(4, rows.bytes(32));
            ps.setString(5, "{\"ip\":\"127.0.0.1\"}");
            ps.executeUpdate();
          }
          c.commit();
          w.committed(batch);
        }
        w.print();
      }
    }
  }

  private static void postgres(String url, int batch, double warmSec, double sec) throws Exception {
    Vertx vertx = Vertx.vertx();
    schema(PgPeerStore.create(vertx, PgPeerStore.parseUrl(url), StoreOptions.defaults()), vertx);
    Vertx v = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(PgPeerStore.parseUrl(url).connectOptions()).using(v).build();
      Rows rows = new Rows();
      Window w = new Window(warmSec, sec);
      while (w.open()) {
        List<Tuple> tuples = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          tuples.add(Tuple.of(Buffer.buffer(Rows.guid()), rows.id(), Buffer.buffer(rows.bytes(16)),
              Buffer.buffer(rows.bytes(32)), "{\"ip\":\"127.0.0.1\"}"));
        }
        // one transaction per batch, its rows sent together: the database's own ceiling
        pool.withTransaction(conn -> conn.preparedQuery(PG_INSERT).executeBatch(tuples).mapEmpty())
            .await(60, TimeUnit.SECONDS);
        w.committed(batch);
      }
      w.print();
    } finally {
      v.close().await(10, TimeUnit.SECONDS);
    }
  }

  private StoreCeiling() {
  }
}
