package dev.vertdesk.relay;

import dev.vertdesk.protocol.AddrMangle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's {@code blacklist.txt} (addresses held to LIMIT_SPEED) and {@code blocklist.txt}
 * (addresses refused) from the data directory, in hbbr's format (docs/protocol.md §7.5): one entry per
 * line, the text before the first space, so {@code 1.2.3.4 a comment} works; blank lines are
 * ignored. Unlike hbbr, entries and client addresses are compared in one normal form everywhere
 * (IPv4-mapped and IPv4-compatible IPv6 become dotted IPv4, IPv6 is written in full), so
 * {@code 1.2.3.4} also matches a client seen as {@code ::ffff:1.2.3.4}.
 *
 * <p>The files are polled (modification time and size) through Vert.x's file system, which runs
 * the blocking calls on worker threads; a change is picked up within one poll period. Lookups are
 * lock-free reads of immutable sets and may come from any thread.
 */
public final class AccessLists {

  private static final Logger LOG = LoggerFactory.getLogger(AccessLists.class);
  public static final String BLACKLIST_FILE = "blacklist.txt";
  public static final String BLOCKLIST_FILE = "blocklist.txt";
  /** Characters an IP literal can have; anything else is never handed to InetAddress (no DNS). */
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");
  /** Re-read unchanged files this often anyway, in case a rewrite kept size and mtime. */
  private static final long FORCED_RELOAD_MILLIS = 30_000;

  private final Vertx vertx;
  private final Path blacklistPath;
  private final Path blocklistPath;
  private final ListFile blacklist = new ListFile();
  private final ListFile blocklist = new ListFile();
  private volatile int version;
  private long timer = -1;
  private boolean polling;
  private Future<Void> lastPoll = Future.succeededFuture();

  public AccessLists(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.blacklistPath = dataDir.resolve(BLACKLIST_FILE);
    this.blocklistPath = dataDir.resolve(BLOCKLIST_FILE);
  }

  /** Loads both files once, then polls every {@code pollMillis}. */
  public Future<Void> start(long pollMillis) {
    return poll().onComplete(ar ->
        timer = vertx.setPeriodic(pollMillis, pollMillis, t -> {
          if (!polling) {
            poll();
          }
        }));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Bumped whenever either list changes, so sessions re-check their addresses only then. */
  public int version() {
    return version;
  }

  public boolean blocked(String normalizedIp) {
    return blocklist.entries.contains(normalizedIp);
  }

  public boolean blacklisted(String normalizedIp) {
    return blacklist.entries.contains(normalizedIp);
  }

  public int blocklistSize() {
    return blocklist.entries.size();
  }

  public int blacklistSize() {
    return blacklist.entries.size();
  }

  /** The one string form used for lookups: see the class comment. */
  public static String normalize(InetAddress address) {
    return AddrMangle.normalize(address).getHostAddress();
  }

  /** Normal form of a list entry; a non-literal entry is kept as written (it matches nothing). */
  static String normalizeEntry(String entry) {
    int pct = entry.indexOf('%');
    String literal = pct >= 0 ? entry.substring(0, pct) : entry;
    if (!IP_LITERAL.matcher(literal).matches() || (!literal.contains(":") && !literal.contains("."))) {
      return entry;
    }
    try {
      return normalize(InetAddress.getByName(literal)); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      return entry;
    }
  }

  /** hbbr's format: per line, trimmed, the text before the first space; blanks skipped. */
  static Set<String> parse(String text) {
    Set<String> out = new HashSet<>();
    for (String line : text.split("\n")) {
      String t = line.trim();
      if (t.isEmpty()) {
        continue;
      }
      int sp = indexOfWhitespace(t);
      out.add(normalizeEntry(sp < 0 ? t : t.substring(0, sp)));
    }
    return Set.copyOf(out);
  }

  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Reads both files again now, after any read under way (call on the polling context). */
  public Future<Void> reload() {
    return lastPoll.transform(ar -> poll());
  }

  private Future<Void> poll() {
    polling = true;
    return lastPoll = Future.all(refresh(blacklistPath, blacklist), refresh(blocklistPath, blocklist))
        .<Void>mapEmpty()
        .onComplete(ar -> polling = false);
  }

  private Future<Void> refresh(Path path, ListFile list) {
    FileSystem fs = vertx.fileSystem();
    String file = path.toString();
    return fs.exists(file).compose(exists -> {
      if (!exists) {
        if (list.present) {
          list.update(Set.of(), false, 0, 0);
          changed(path, 0);
        }
        return Future.succeededFuture();
      }
      return fs.props(file).compose(props -> {
        long now = System.currentTimeMillis();
        if (list.present && !list.differs(props) && now - list.loadedAt < FORCED_RELOAD_MILLIS) {
          return Future.succeededFuture();
        }
        return fs.readFile(file).compose(buf ->
            vertx.executeBlocking(() -> parse(buf.toString(StandardCharsets.UTF_8)), false)
        ).map(entries -> {
          boolean same = list.present && entries.equals(list.entries);
          list.update(entries, true, props.lastModifiedTime(), props.size());
          list.loadedAt = now;
          if (!same) {
            changed(path, entries.size());
          }
          return (Void) null;
        });
      });
    }).recover(e -> {
      LOG.warn("cannot read {}: {}", file, e.getMessage());
      return Future.succeededFuture();
    });
  }

  private void changed(Path path, int entries) {
    version++;
    LOG.info("{}: {} entr{}", path, entries, entries == 1 ? "y" : "ies");
  }

  /** One file's current entries and what it looked like when read. */
  private static final class ListFile {
    volatile Set<String> entries = Set.of();
    boolean present;
    long mtime;
    long size;
    long loadedAt;

    boolean differs(FileProps props) {
      return props.lastModifiedTime() != mtime || props.size() != size;
    }

    void update(Set<String> e, boolean present, long mtime, long size) {
      this.entries = e;
      this.present = present;
      this.mtime = mtime;
      this.size = size;
    }
  }
}
