package dev.vertdesk.store;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.StoreOptions;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the {@link PeerStore} that {@code db.url} / {@code DB_URL} names. */
public final class PeerStores {

  /** The configuration key, as {@link ConfigException} reports it. */
  public static final String KEY = "db.url";

  private static final Logger LOG = LoggerFactory.getLogger(PeerStores.class);
  private static final Pattern URL_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*", Pattern.DOTALL);

  private PeerStores() {
  }

  /** Where the peer table lives: a SQLite file, or a PostgreSQL database. */
  public sealed interface Location permits SqliteFile, Postgres {
  }

  /** A SQLite database file. */
  public record SqliteFile(Path file) implements Location {
  }

  /** A PostgreSQL database shared by the nodes of a cluster. */
  public record Postgres(PgPeerStore.Settings settings) implements Location {
  }

  /**
   * Reads {@code db.url} without opening anything: {@code postgres://} or {@code postgresql://}
   * URLs name a PostgreSQL database; {@code sqlite:} URLs and plain paths (relative to
   * {@code dataDir}) a SQLite file.
   *
   * @throws ConfigException naming {@value #KEY} when the value cannot be used (another URL scheme,
   *     a malformed PostgreSQL URL, an in-memory SQLite database); the message never contains a
   *     password
   */
  public static Location locate(String dbUrl, Path dataDir) {
    String url = dbUrl == null ? "" : dbUrl.trim();
    if (PgPeerStore.isPostgresUrl(url)) {
      try {
        return new Postgres(PgPeerStore.parseUrl(url));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(KEY, e.getMessage() + " (DB_URL)");
      }
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (URL_SCHEME.matcher(url).matches() && !lower.startsWith("sqlite://")) {
      String scheme = url.substring(0, url.indexOf("://"));
      throw new ConfigException(KEY, "unsupported database URL scheme '" + scheme
          + "' in " + PgPeerStore.redact(url)
          + " (DB_URL): use a SQLite path, sqlite://path, or postgres://user:password@host:port/database");
    }
    try {
      return new SqliteFile(SqlitePeerStore.sqlitePathFromUrl(url, dataDir));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(KEY, e.getMessage());
    }
  }

  /** The store at {@code location}; nothing is connected or opened yet: call {@link PeerStore#init()}. */
  public static PeerStore open(Vertx vertx, Location location, StoreOptions options) {
    if (location instanceof Postgres pg) {
      LOG.info("peer store: PostgreSQL {}, pool of {}", pg.settings().describe(), pg.settings().poolSize());
      return PgPeerStore.create(vertx, pg.settings(), options);
    }
    SqlitePeerStore store = SqlitePeerStore.create(vertx, ((SqliteFile) location).file(), options);
    LOG.info("peer store: SQLite {}", store.file());
    return store;
  }
}
