package dev.vertdesk.app;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.store.PeerStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before anything opens, that this process may use the data directory: create it or
 * write into it, read the key files and write the SQLite database. A rustdesk-server directory
 * adopted as is often belongs to root; this names the owner and the fix instead of failing later
 * in the middle of the start.
 */
final class DataDirectory {

  private DataDirectory() {
  }

  static void check(NodeConfig config, PeerStores.Location store) {
    Path dir = config.server().dataDir().toAbsolutePath().normalize();
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw new ConfigException("dataDir", dir + " is not a directory");
      }
      if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
        throw new ConfigException("dataDir", dir + " is not writable" + owner(dir));
      }
      List<Path> readable = new ArrayList<>(List.of(dir.resolve(ServerKeys.SECRET_FILE), dir.resolve(ServerKeys.PUBLIC_FILE)));
      if (config.admin().enabled()) {
        readable.add(dir.resolve(config.admin().options().tokenFile()));
      }
      for (Path file : readable) {
        if (Files.exists(file) && !Files.isReadable(file)) {
          throw new ConfigException("dataDir", "cannot read " + file + owner(file));
        }
      }
    } else {
      Path existing = dir.getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null || !Files.isDirectory(existing)) {
        throw new ConfigException("dataDir", "cannot create " + dir + ": " + existing + " is not a directory");
      }
      if (!Files.isWritable(existing)) {
        throw new ConfigException("dataDir", "cannot create " + dir + ": " + existing + " is not writable" + owner(existing));
      }
    }
    if (store instanceof PeerStores.SqliteFile sqlite) {
      Path db = sqlite.file().toAbsolutePath();
      if (Files.isDirectory(db)) {
        throw new ConfigException("db.url", "the database file " + db + " is a directory");
      }
      for (Path file : List.of(db, Path.of(db + "-wal"), Path.of(db + "-shm"))) {
        if (Files.exists(file) && !(Files.isReadable(file) && Files.isWritable(file))) {
          throw new ConfigException("db.url", "the database file " + file + " is not writable" + owner(file));
        }
      }
    }
  }

  /** " (owner uid 0, rwx------; this process runs as uid 1000)", or "" where that cannot be read. */
  static String owner(Path path) {
    try {
      Object uid = Files.getAttribute(path, "unix:uid");
      String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
      return " (owner uid " + uid + ", " + mode + "; this process runs as uid " + processUid() + ")";
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "";
    }
  }

  /** This process's user id: the owner of /proc/self on Linux. */
  static Object processUid() throws IOException {
    return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
