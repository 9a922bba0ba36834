package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The compose files are shaped like rustdesk-server's: one all-in-one service, and the split
 * hbbs / hbbr pair, each on the host's network with ./data, restarted unless stopped, and given
 * time to drain when stopped. (.ci/packaging-check runs them.)
 */
class ComposeFilesTest {

  /** Each service's lines (two-space indented under {@code services:}), by service name. */
  private static Map<String, List<String>> services(String file) throws Exception {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> current = null;
    boolean inServices = false;
    for (String line : Files.readAllLines(Path.of(file))) {
      if (line.startsWith("services:")) {
        inServices = true;
      } else if (inServices && line.matches("  [a-z0-9-]+:\\s*")) {
        current = new ArrayList<>();
        out.put(line.trim().replace(":", ""), current);
      } else if (inServices && current != null && line.startsWith("    ") && !line.trim().startsWith("#")) {
        current.add(line.trim());
      }
    }
    return out;
  }

  private static void runsLikeRustdeskServer(String service, List<String> lines) {
    assertTrue(lines.contains("network_mode: host"), service + ": the server sees the clients' addresses");
    assertTrue(lines.contains("- ./data:/data"), service + ": ./data is the data directory");
    assertTrue(lines.contains("restart: unless-stopped"), service);
    assertTrue(lines.contains("image: vertdesk:latest"), service);
    String grace = lines.stream().filter(l -> l.startsWith("stop_grace_period: ")).findFirst().orElseThrow()
        .substring("stop_grace_period: ".length());
    int seconds = Integer.parseInt(grace.replace("s", ""));
    int drain = ConfigLoader.defaults().getInteger("drainTimeoutSeconds");
    assertTrue(seconds >= drain + 10, service + ": " + grace + " covers the drain (" + drain + " s) and the close");
  }

  @Test
  void theAllInOneFileHasOneServiceRunningBothRoles() throws Exception {
    Map<String, List<String>> s = services("compose.yaml");
    assertEquals(List.of("vertdesk"), List.copyOf(s.keySet()));
    runsLikeRustdeskServer("vertdesk", s.get("vertdesk"));
    assertTrue(s.get("vertdesk").stream().noneMatch(l -> l.startsWith("command:")), "no command: both roles");
  }

  @Test
  void theSplitFileRunsHbbsAndHbbr() throws Exception {
    Map<String, List<String>> s = services("compose.split.yaml");
    assertEquals(List.of("hbbs", "hbbr"), List.copyOf(s.keySet()));
    for (String role : List.of("hbbs", "hbbr")) {
      runsLikeRustdeskServer(role, s.get(role));
      assertTrue(s.get(role).contains("command: " + role + " -k _"), role + ": " + s.get(role));
    }
  }
}
