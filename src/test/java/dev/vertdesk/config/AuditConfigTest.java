package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code audit} block: its defaults, its environment names, and values out of range. */
class AuditConfigTest {

  @TempDir
  Path dir;

  private AuditConfig audit(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env).audit();
  }

  @Test
  void theDefaultsKeepAYear() {
    assertEquals(new AuditConfig(365, 120), audit(new JsonObject(), Map.of()));
  }

  @Test
  void everyKeyIsReachedFromTheFileAndTheEnvironment() {
    assertEquals(new AuditConfig(30, 5), audit(new JsonObject().put("audit", new JsonObject().put("retentionDays", 30)),
        Map.of("VERTDESK_AUDIT__LINK_WINDOW_SECONDS", "5")));
  }

  @Test
  void aValueOutOfRangeStopsTheStartNamingTheKey() {
    for (String[] bad : new String[][] {{"retentionDays", "0"}, {"retentionDays", "36501"}, {"retentionDays", "\"a\""},
        {"linkWindowSeconds", "0"}, {"linkWindowSeconds", "3601"}}) {
      JsonObject conf = new JsonObject().put("audit", new JsonObject("{\"" + bad[0] + "\": " + bad[1] + "}"));
      ConfigException e = assertThrows(ConfigException.class, () -> audit(conf, Map.of()), bad[0]);
      assertTrue(e.getMessage().contains("audit." + bad[0]), e.getMessage());
    }
  }
}
