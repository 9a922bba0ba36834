package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the units in systemd/ run: the split pair runs {@code vertdesk hbbs} and
 * {@code vertdesk hbbr}, whose roles bind disjoint ports (RolesSideBySideIT starts both), each
 * unit stops the rustdesk-server unit it replaces, and a configuration error is not restarted
 * every 10 s.
 */
class UnitRolesTest {

  private static String unit(String name) throws Exception {
    return Files.readString(Path.of("systemd", name));
  }

  private static String line(String unit, String key) {
    return unit.lines().filter(l -> l.startsWith(key + "=")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + key + "= in\n" + unit)).substring(key.length() + 1);
  }

  @Test
  void theSplitUnitsRunTheTwoRoles() throws Exception {
    Map<String, String> command = Map.of("vertdesk.service", "exec vertdesk \"$$@\"",
        "vertdesk-id.service", "exec vertdesk hbbs \"$$@\"", "vertdesk-relay.service", "exec vertdesk hbbr \"$$@\"");
    command.forEach((name, exec) -> {
      try {
        String u = unit(name);
        assertTrue(line(u, "ExecStart").contains(exec), name + ": " + line(u, "ExecStart"));
        // the role decides the verticles; switching them off by variable is what broke the split pair
        assertFalse(u.contains("__ENABLED"), name);
        assertEquals("64 78", line(u, "RestartPreventExitStatus"), name);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  @Test
  void eachUnitStopsTheRustdeskServerUnitItReplaces() throws Exception {
    assertEquals(List.of("vertdesk-id.service", "vertdesk-relay.service", "rustdesk-hbbs.service", "rustdesk-hbbr.service"),
        List.of(line(unit("vertdesk.service"), "Conflicts").split(" ")));
    assertEquals(List.of("vertdesk.service", "rustdesk-hbbs.service"),
        List.of(line(unit("vertdesk-id.service"), "Conflicts").split(" ")));
    assertEquals(List.of("vertdesk.service", "rustdesk-hbbr.service"),
        List.of(line(unit("vertdesk-relay.service"), "Conflicts").split(" ")));
  }
}
