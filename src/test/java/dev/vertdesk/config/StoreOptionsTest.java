package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code db.*} besides the URL: defaults from the shipped file, ranges, variables. */
class StoreOptionsTest {

  @TempDir
  Path dir;

  private NodeConfig config(JsonObject db, Map<String, String> env) {
    return NodeConfig.load(new JsonObject().put("dataDir", dir.toString()).put("db", db), env);
  }

  private String refusedKey(JsonObject db) {
    return assertThrows(ConfigException.class, () -> config(db, Map.of())).key();
  }

  @Test
  void theDefaultsComeFromTheShippedFile() {
    assertEquals(new StoreOptions(10_000, 1_000, 5, 60), config(new JsonObject(), Map.of()).store());
    assertEquals(StoreOptions.defaults(), config(new JsonObject(), Map.of()).store());
  }

  @Test
  void variablesReachTheKeys() {
    StoreOptions o = config(new JsonObject(), Map.of("VERTDESK_DB__QUEUE_SIZE", "500",
        "VERTDESK_DB__QUEUE_PER_SOURCE", "50", "VERTDESK_DB__PROBE_INTERVAL_SECONDS", "2",
        "VERTDESK_DB__QUICK_CHECK_SECONDS", "0")).store();
    assertEquals(new StoreOptions(500, 50, 2, 0), o);
  }

  @Test
  void badValuesNameTheirKey() {
    assertEquals("db.queueSize", refusedKey(new JsonObject().put("queueSize", 0)));
    assertEquals("db.queueSize", refusedKey(new JsonObject().put("queueSize", "many")));
    assertEquals("db.queuePerSource", refusedKey(new JsonObject().put("queuePerSource", 0)));
    assertEquals("db.queuePerSource", refusedKey(new JsonObject().put("queueSize", 100).put("queuePerSource", 101)));
    assertEquals("db.probeIntervalSeconds", refusedKey(new JsonObject().put("probeIntervalSeconds", 0)));
    assertEquals("db.quickCheckSeconds", refusedKey(new JsonObject().put("quickCheckSeconds", -1)));
    assertEquals("db.queueSze", refusedKey(new JsonObject().put("queueSze", 10)));
  }
}
