package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code devices.requireDeployment}: off by default, a boolean from the file or the environment. */
class RequireDeploymentConfigTest {

  @TempDir
  Path dir;

  private DevicesConfig devices(JsonObject conf, Map<String, String> env) {
    return NodeConfig.load(conf.put("dataDir", dir.toString()), env).devices();
  }

  @Test
  void offByDefaultAndSwitchedOnFromTheFileOrTheEnvironment() {
    assertFalse(devices(new JsonObject(), Map.of()).requireDeployment());
    assertTrue(devices(new JsonObject().put("devices", new JsonObject().put("requireDeployment", true)), Map.of())
        .requireDeployment());
    assertTrue(devices(new JsonObject(), Map.of("VERTDESK_DEVICES__REQUIRE_DEPLOYMENT", "Y")).requireDeployment());
  }

  @Test
  void aValueThatIsNoBooleanStopsTheStartNamingTheKey() {
    for (Object bad : new Object[] {"maybe", 2, new JsonObject()}) {
      ConfigException e = assertThrows(ConfigException.class, () -> devices(new JsonObject().put("devices",
          new JsonObject().put("requireDeployment", bad)), Map.of()), String.valueOf(bad));
      assertTrue(e.getMessage().contains("devices.requireDeployment"), e.getMessage());
    }
  }
}
