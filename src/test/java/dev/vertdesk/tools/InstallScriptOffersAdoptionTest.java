package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** packaging/install.sh points at a rustdesk-server data directory it finds, unless told to adopt it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InstallScriptOffersAdoptionTest {

  @TempDir
  Path tmp;

  private String install(Path root, String... more) throws Exception {
    Path jar = Files.write(tmp.resolve("vertdesk.jar"), "not really a jar".getBytes(StandardCharsets.US_ASCII));
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", "packaging/install.sh", "--root", root.toString(),
        "--jar", jar.toString(), "--no-start"));
    cmd.addAll(List.of(more));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void aRustdeskServerDirectoryIsPointedOut() throws Exception {
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("var/lib/rustdesk-server"));
    String out = install(root);
    assertTrue(out.contains("found a rustdesk-server data directory") && out.contains("--adopt /var/lib/rustdesk-server"),
        out);
    Path plain = tmp.resolve("plain");
    assertFalse(install(plain).contains("rustdesk-server data directory"), "nothing to point out without one");
  }
}
