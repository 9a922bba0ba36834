package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory the node cannot use stops the start before anything opens. (A directory of
 * another owner is refused too, which needs a user without root's override: {@code StartupFailuresIT}.)
 */
class DataDirectoryTest {

  @TempDir
  Path dir;

  @Test
  void aDataDirectoryThatIsAFileIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeSetup.load(new JsonObject().put("dataDir", file.toString()), Map.of()));
    assertTrue(e.getMessage().startsWith("config key 'dataDir': " + file + " is not a directory"), e.getMessage());
    ConfigException below = assertThrows(ConfigException.class,
        () -> NodeSetup.load(new JsonObject().put("dataDir", file.resolve("sub").toString()), Map.of()));
    assertTrue(below.getMessage().contains("cannot create " + file.resolve("sub") + ": " + file + " is not a directory"),
        below.getMessage());
  }

  @Test
  void aDatabasePathThatIsADirectoryIsRefused() throws Exception {
    Files.createDirectories(dir.resolve("db_v2.sqlite3"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeSetup.load(new JsonObject().put("dataDir", dir.toString()), Map.of()));
    assertTrue(e.getMessage().startsWith("config key 'db.url': the database file " + dir.resolve("db_v2.sqlite3")),
        e.getMessage());
  }
}
