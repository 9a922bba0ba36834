package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The units in systemd/ pass {@code systemd-analyze verify} (skipped where systemd is absent). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SystemdUnitsTest {

  private static final Path UNITS = Path.of("systemd");

  private static Path systemdAnalyze() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(dir, "systemd-analyze");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Test
  void unitsVerify() throws Exception {
    Path tool = systemdAnalyze();
    Assumptions.assumeTrue(tool != null, "systemd-analyze is not installed");
    List<Path> units;
    try (Stream<Path> s = Files.list(UNITS)) {
      units = s.filter(p -> p.toString().endsWith(".service")).sorted().toList();
    }
    assertEquals(3, units.size(), "vertdesk, vertdesk-id, vertdesk-relay: " + units);
    for (Path unit : units) {
      List<String> cmd = new ArrayList<>(List.of(tool.toString(), "verify", "--man=no",
          unit.toAbsolutePath().toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze finished");
      // warnings (unknown keys, bad values) do not change the exit code but name the file
      assertEquals(0, p.exitValue(), unit + ":\n" + out);
      assertTrue(out.lines().noneMatch(l -> l.contains(unit.getFileName().toString())),
          "systemd-analyze found problems in " + unit + ":\n" + out);
    }
  }
}
