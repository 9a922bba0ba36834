package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar's command line as an admin meets it, output redirected to files as a service
 * manager or a script has it: help and version are ours, a typo starts nothing and writes nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherCliIT {

  @TempDir
  Path workDir;

  private record Run(int code, String out, String err) {
  }

  private Run run(String... args) throws Exception {
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-jar", jar));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_"));
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    String out = read(p.getInputStream());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the jar returned");
    return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<Path> workDirFiles() throws Exception {
    try (Stream<Path> s = Files.list(workDir)) {
      return s.toList();
    }
  }

  @Test
  void versionPrintsTheBuildsVersionAndNothingElse() throws Exception {
    String expected = "vertdesk " + System.getProperty("vertdesk.version") + "\n";
    for (String flag : List.of("--version", "-V", "version")) {
      Run r = run(flag);
      assertEquals(0, r.code(), flag + ": " + r);
      assertEquals(expected, r.out(), flag);
      assertEquals("", r.err(), flag);
    }
  }

  @Test
  void helpIsOursAndPlain() throws Exception {
    Run r = run("--help");
    assertEquals(0, r.code(), r.toString());
    for (String expected : List.of("hbbs [flags]", "hbbr [flags]", "genkeypair", "validatekeypair", "doctor",
        "admin <command>", "healthcheck", "Data directory", "VERTDESK_DATA_DIR", "PORT, KEY, RELAY_SERVERS",
        "README.md, section \"Configuration\"")) {
      assertTrue(r.out().contains(expected), "help mentions " + expected + ":\n" + r.out());
    }
    assertFalse(r.out().contains("mainVerticle") || r.out().contains("\u001b["), "not Vert.x's usage, no colour:\n" + r.out());
    Run hbbs = run("hbbs", "--help");
    assertEquals(0, hbbs.code());
    assertTrue(hbbs.out().contains("-r, --relay-servers <HOSTS>") && hbbs.out().contains("-M, --rmem <BYTES>"), hbbs.out());
    assertEquals(List.of(), workDirFiles(), "help writes nothing");
  }

  @Test
  void aMistypedCommandOrFlagStartsNothingAndWritesNothing() throws Exception {
    Run typo = run("genkeypiar");
    assertEquals(64, typo.code(), typo.toString());
    assertEquals("", typo.out());
    assertTrue(typo.err().startsWith("vertdesk: unknown command 'genkeypiar'; did you mean 'genkeypair'?"), typo.err());
    Run flag = run("hbbs", "--realy-servers", "relay.example.com");
    assertEquals(64, flag.code(), flag.toString());
    assertTrue(flag.err().contains("did you mean --relay-servers?") && flag.err().contains("hbbs accepts: "), flag.err());
    assertFalse((typo.err() + flag.err()).contains("\u001b["), "no colour codes into a file");
    assertEquals(List.of(), workDirFiles(), "no key pair, no database in the working directory");
  }
}
