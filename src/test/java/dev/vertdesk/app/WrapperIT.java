package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.JarProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code vertdesk} wrapper script (packaging/vertdesk, installed as /usr/local/bin/vertdesk)
 * runs the packaged jar: the utilities, and {@code vertdesk admin ...} against a running node.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WrapperIT {

  @TempDir
  Path dataDir;

  private record Run(int code, String output) {
  }

  private static Run wrapper(String... args) throws Exception {
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    List<String> cmd = new java.util.ArrayList<>(List.of("sh", "packaging/vertdesk"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_"));
    pb.environment().put("VERTDESK_JAR", jar);
    pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the wrapper returned");
    return new Run(p.exitValue(), out);
  }

  @Test
  void runsTheUtilities() throws Exception {
    Run keys = wrapper("genkeypair");
    assertEquals(0, keys.code(), keys.output());
    assertTrue(keys.output().matches("(?s)Public Key:  [A-Za-z0-9+/=]{44}\\nSecret Key:  [A-Za-z0-9+/=]{88}\\n"), keys.output());
    Run invalid = wrapper("validatekeypair", "not-a-key", "not-a-key-either");
    assertEquals(1, invalid.code(), invalid.output());
    assertTrue(invalid.output().startsWith("Invalid"), invalid.output());
  }

  @Test
  void runsTheAdminClientAgainstARunningNode() throws Exception {
    try (JarProcess node = JarProcess.start(JarProcess.loopbackConf(dataDir))) {
      Map<String, Integer> ports = node.awaitStarted(60_000);
      String url = "http://127.0.0.1:" + ports.get("admin");
      String token = dataDir.resolve("admin.token").toString();

      Run status = wrapper("admin", "--url", url, "--token-file", token, "status");
      assertEquals(0, status.code(), status.output());
      assertTrue(status.output().contains("udp=" + ports.get("udp")), status.output());
      assertTrue(status.output().contains("relay: 0 sessions"), status.output());

      Run added = wrapper("admin", "--url", url, "--token-file", token, "blocklist", "add", "203.0.113.9");
      assertEquals(0, added.code(), added.output());
      Run listed = wrapper("admin", "--url", url, "--token-file", token, "--json", "blocklist", "list");
      assertEquals(0, listed.code(), listed.output());
      assertTrue(listed.output().contains("203.0.113.9"), listed.output());

      Run refused = wrapper("admin", "--url", url, "--token", "not-the-token", "status");
      assertEquals(2, refused.code(), "a wrong token is refused by the API\n" + refused.output());
    }
  }
}
