package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code addressBooks} block: its defaults, its environment names, and values out of range. */
class AddressBooksConfigTest {

  @TempDir
  Path dir;

  private AddressBooksConfig books(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env).addressBooks();
  }

  @Test
  void theDefaultsKeepPersonalBooksAndAMonthOfRecycleBin() {
    assertEquals(new AddressBooksConfig(true, 20000, 30), books(new JsonObject(), Map.of()));
  }

  @Test
  void everyKeyIsReachedFromTheFileAndTheEnvironment() {
    AddressBooksConfig b = books(new JsonObject().put("addressBooks", new JsonObject().put("recycleBinDays", 7)),
        Map.of("VERTDESK_ADDRESS_BOOKS__PERSONAL", "N", "VERTDESK_ADDRESS_BOOKS__MAX_PEERS_PER_BOOK", "500"));
    assertEquals(new AddressBooksConfig(false, 500, 7), b);
  }

  @Test
  void aBadValueStopsTheStartNamingTheKey() {
    for (String[] bad : new String[][] {{"recycleBinDays", "0"}, {"recycleBinDays", "3651"},
        {"maxPeersPerBook", "0"}, {"maxPeersPerBook", "1000001"}, {"personal", "\"maybe\""},
        {"recycleBinDays", "\"a month\""}}) {
      JsonObject conf = new JsonObject().put("addressBooks", new JsonObject("{\"" + bad[0] + "\": " + bad[1] + "}"));
      ConfigException e = assertThrows(ConfigException.class, () -> books(conf, Map.of()), bad[0]);
      assertTrue(e.getMessage().contains("addressBooks." + bad[0]), e.getMessage());
    }
  }
}
