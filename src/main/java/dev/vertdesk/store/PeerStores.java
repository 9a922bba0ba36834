package dev.vertdesk.store;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ServerConfig;
import io.vertx.core.Vertx;
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

  /**
   * The store for {@code cfg.dbUrl()}: {@code postgres://} or {@code postgresql://} URLs open a
   * {@link PgPeerStore}; {@code sqlite:} URLs and plain paths (relative to {@code dataDir}) a
   * {@link SqlitePeerStore}. Nothing is connected or opened yet: call {@link PeerStore#init()}.
   *
   * @throws ConfigException naming {@value #KEY} when the value cannot be used (another URL scheme,
   *     a malformed PostgreSQL URL, an in-memory SQLite database); the message never contains a
   *     password
   */
  public static PeerStore open(Vertx vertx, ServerConfig cfg) {
    String url = cfg.dbUrl() == null ? "" : cfg.dbUrl().trim();
    if (PgPeerStore.isPostgresUrl(url)) {
      PgPeerStore.Settings settings;
      try {
        settings = PgPeerStore.parseUrl(url);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(KEY, e.getMessage() + " (DB_URL)");
      }
      LOG.info("peer store: PostgreSQL {}, pool of {}", settings.describe(), settings.poolSize());
      return PgPeerStore.create(vertx, settings);
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (URL_SCHEME.matcher(url).matches() && !lower.startsWith("sqlite://")) {
      String scheme = url.substring(0, url.indexOf("://"));
      throw new ConfigException(KEY, "unsupported database URL scheme '" + scheme
          + "' in " + PgPeerStore.redact(url)
          + " (DB_URL): use a SQLite path, sqlite://path, or postgres://user:password@host:port/database");
    }
    try {
      SqlitePeerStore store = SqlitePeerStore.create(vertx, SqlitePeerStore.sqlitePathFromUrl(url, cfg.dataDir()));
      LOG.info("peer store: SQLite {}", store.file());
      return store;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(KEY, e.getMessage());
    }
  }
}
