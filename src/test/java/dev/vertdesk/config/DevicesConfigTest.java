package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code devices} block: its defaults, its environment names, and values out of range. */
class DevicesConfigTest {

  @TempDir
  Path dir;

  private DevicesConfig devices(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env).devices();
  }

  @Test
  void theDefaultsWriteBehindEveryMinute() {
    DevicesConfig d = devices(new JsonObject(), Map.of());
    assertEquals(new DevicesConfig(60, 2000, 1_000_000, 168, 60, false), d);
  }

  @Test
  void everyKeyIsReachedFromTheFileAndTheEnvironment() {
    DevicesConfig d = devices(new JsonObject().put("devices", new JsonObject().put("writeBehindSeconds", 5)
        .put("maxTracked", 5000)), Map.of("VERTDESK_DEVICES__SYSINFO_MAX_AGE_HOURS", "24",
        "VERTDESK_DEVICES__DISABLED_REFRESH_SECONDS", "10", "VERTDESK_DEVICES__WRITE_BATCH", "100"));
    assertEquals(new DevicesConfig(5, 100, 5000, 24, 10, false), d);
  }

  @Test
  void aValueOutOfRangeStopsTheStartNamingTheKey() {
    for (String[] bad : new String[][] {{"writeBehindSeconds", "0"}, {"writeBatch", "100001"},
        {"maxTracked", "999"}, {"sysinfoMaxAgeHours", "0"}, {"disabledRefreshSeconds", "-1"},
        {"writeBehindSeconds", "\"soon\""}}) {
      JsonObject conf = new JsonObject().put("devices", new JsonObject("{\"" + bad[0] + "\": " + bad[1] + "}"));
      ConfigException e = assertThrows(ConfigException.class, () -> devices(conf, Map.of()), bad[0]);
      assertTrue(e.getMessage().contains("devices." + bad[0]), e.getMessage());
    }
    ConfigException misspelt = assertThrows(ConfigException.class,
        () -> devices(new JsonObject().put("devices", new JsonObject().put("writeBehindSecond", 5)), Map.of()));
    assertTrue(misspelt.getMessage().contains("devices.writeBehindSeconds"), misspelt.getMessage());
  }
}
