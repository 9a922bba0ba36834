package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code -conf} value and the checks that need more than the configuration tree. */
class NodeSetupTest {

  @TempDir
  Path dir;

  @Test
  void confIsAFileOrInlineJson() throws Exception {
    Path file = Files.writeString(dir.resolve("vertdesk.json"), "{\"port\": 31116}");
    assertEquals(31116, ConfigLoader.readConf(file.toString()).getInteger("port"));
    assertEquals(41116, ConfigLoader.readConf(" {\"port\": 41116} ").getInteger("port"));
    assertEquals(new JsonObject(), ConfigLoader.readConf(null), "no -conf: the defaults");
  }

  @Test
  void aMissingOrMalformedConfStopsTheStart() throws Exception {
    ConfigException missing = assertThrows(ConfigException.class,
        () -> ConfigLoader.readConf(dir.resolve("nope.json").toString()));
    assertEquals("-conf", missing.key());
    assertTrue(missing.getMessage().contains("no such file: " + dir.resolve("nope.json")), missing.getMessage());

    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"port\": 21116,");
    ConfigException malformed = assertThrows(ConfigException.class, () -> ConfigLoader.readConf(broken.toString()));
    assertTrue(malformed.getMessage().contains(broken + " is not a JSON object"), malformed.getMessage());

    Path array = Files.writeString(dir.resolve("array.json"), "[1, 2]");
    assertThrows(ConfigException.class, () -> ConfigLoader.readConf(array.toString()));
    ConfigException inline = assertThrows(ConfigException.class, () -> ConfigLoader.readConf("{port: }"));
    assertTrue(inline.getMessage().contains("the inline -conf JSON is not a JSON object"), inline.getMessage());
  }

  @Test
  void aVerticleNobodyProvidesIsRefusedWithTheClosestName() {
    JsonObject conf = new JsonObject().put("dataDir", dir.toString()).put("pluginsDir", dir.resolve("plugins").toString())
        .put("verticles", new JsonObject().put("wsrelya", new JsonObject().put("enabled", true)));
    ConfigException e = assertThrows(ConfigException.class, () -> NodeSetup.load(conf, Map.of()));
    assertEquals("verticles.wsrelya", e.key());
    assertTrue(e.getMessage().contains("did you mean 'wsrelay'?"), e.getMessage());
  }

  @Test
  void aBadDatabaseUrlIsRefusedBeforeAnythingOpens() {
    JsonObject conf = new JsonObject().put("dataDir", dir.toString())
        .put("db", new JsonObject().put("url", "mysql://u:secret@h/db"));
    ConfigException e = assertThrows(ConfigException.class, () -> NodeSetup.load(conf, Map.of()));
    assertEquals("db.url", e.key());
    assertTrue(!e.getMessage().contains("secret"), e.getMessage());
  }
}
