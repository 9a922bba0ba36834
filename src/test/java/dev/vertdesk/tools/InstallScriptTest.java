package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** packaging/install.sh against a temporary root prefix: nothing outside it is touched. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InstallScriptTest {

  private static final Path SCRIPT = Path.of("packaging", "install.sh");
  private static final List<String> UNITS =
      List.of("vertdesk.service", "vertdesk-id.service", "vertdesk-relay.service");

  @TempDir
  Path tmp;

  Path root;
  Path jar;
  Path rustdesk;
  Path data;

  private record Run(int code, String output) {
  }

  @BeforeEach
  void layout() throws IOException {
    root = tmp.resolve("root");
    data = root.resolve("var/lib/vertdesk");
    jar = tmp.resolve("vertdesk.jar");
    Files.write(jar, "not really a jar".getBytes(StandardCharsets.US_ASCII));
    // a rustdesk-server working directory as hbbs/hbbr leave it
    rustdesk = tmp.resolve("rustdesk-server");
    Files.createDirectories(rustdesk);
    Nacl.KeyPair pair = Nacl.signKeyPair();
    write(rustdesk.resolve("id_ed25519"), Base64.getEncoder().encodeToString(pair.secretKey()));
    write(rustdesk.resolve("id_ed25519.pub"), Base64.getEncoder().encodeToString(pair.publicKey()));
    Files.write(rustdesk.resolve("db_v2.sqlite3"), new byte[] {'S', 'Q', 'L', 'i', 't', 'e', 0, 1, 2, 3});
    write(rustdesk.resolve(".env"), "RELAY_SERVERS=relay.example.com\nALWAYS_USE_RELAY=N\n");
    write(rustdesk.resolve("blacklist.txt"), "192.0.2.1 slow\n");
    write(rustdesk.resolve("blocklist.txt"), "198.51.100.7\n");
  }

  @Test
  void installsUnderTheRootAndKeepsExistingKeys() throws Exception {
    Nacl.KeyPair existing = Nacl.signKeyPair();
    Files.createDirectories(data);
    String existingSk = Base64.getEncoder().encodeToString(existing.secretKey());
    String existingPk = Base64.getEncoder().encodeToString(existing.publicKey());
    write(data.resolve("id_ed25519"), existingSk);
    write(data.resolve("id_ed25519.pub"), existingPk);

    Run first = install("--adopt", rustdesk.toString(), "--no-start");
    assertEquals(0, first.code(), first.output());

    assertArrayEquals(Files.readAllBytes(jar), Files.readAllBytes(root.resolve("opt/vertdesk/vertdesk.jar")));
    Path wrapper = root.resolve("usr/local/bin/vertdesk");
    assertArrayEquals(Files.readAllBytes(Path.of("packaging", "vertdesk")), Files.readAllBytes(wrapper));
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(wrapper)));
    for (String unit : UNITS) {
      assertArrayEquals(Files.readAllBytes(Path.of("systemd", unit)),
          Files.readAllBytes(root.resolve("etc/systemd/system").resolve(unit)), unit);
    }
    assertTrue(Files.isRegularFile(root.resolve("etc/default/vertdesk")));
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));

    for (String f : List.of("db_v2.sqlite3", ".env", "blacklist.txt", "blocklist.txt")) {
      assertArrayEquals(Files.readAllBytes(rustdesk.resolve(f)), Files.readAllBytes(data.resolve(f)), f);
    }
    assertEquals(existingSk, Files.readString(data.resolve("id_ed25519")), "existing secret key untouched");
    assertEquals(existingPk, Files.readString(data.resolve("id_ed25519.pub")), "existing public key untouched");
    assertTrue(first.output().contains("keeping the existing key pair"), first.output());

    // system changes are only described
    assertTrue(first.output().contains("would run: useradd"), first.output());
    assertTrue(first.output().contains("would run: chown vertdesk:vertdesk " + data), first.output());
    assertTrue(first.output().contains("would run: systemctl daemon-reload"), first.output());
    assertFalse(first.output().contains("would run: systemctl enable"), "--no-start enables nothing:\n" + first.output());
    assertTrue(first.output().contains("apt-get install -y openjdk-17-jre-headless"), first.output());

    Map<String, String> before = snapshot(root);
    Run second = install("--adopt", rustdesk.toString(), "--no-start");
    assertEquals(0, second.code(), second.output());
    assertEquals(before, snapshot(root), "a second run changes nothing");
    assertTrue(second.output().contains("unchanged: " + root.resolve("opt/vertdesk/vertdesk.jar")), second.output());
    assertTrue(second.output().contains("already in place: " + data.resolve("db_v2.sqlite3")), second.output());
    assertFalse(second.output().contains("adopted:"), second.output());
  }

  @Test
  void adoptsKeysIntoAFreshDataDirectory() throws Exception {
    Run run = install("--adopt", rustdesk.toString(), "--no-start");
    assertEquals(0, run.code(), run.output());
    for (String f : List.of("id_ed25519", "id_ed25519.pub", "db_v2.sqlite3", ".env", "blacklist.txt", "blocklist.txt")) {
      assertArrayEquals(Files.readAllBytes(rustdesk.resolve(f)), Files.readAllBytes(data.resolve(f)), f);
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("id_ed25519"))));
    assertTrue(run.output().contains("Key for clients: " + Files.readString(rustdesk.resolve("id_ed25519.pub"))),
        run.output());

    Map<String, String> before = snapshot(root);
    Run again = install("--adopt", rustdesk.toString(), "--no-start");
    assertEquals(0, again.code(), again.output());
    assertEquals(before, snapshot(root));
  }

  @Test
  void forceReplacesExistingKeysAndKeepsABackup() throws Exception {
    Files.createDirectories(data);
    String old = Base64.getEncoder().encodeToString(Nacl.signKeyPair().secretKey());
    write(data.resolve("id_ed25519"), old);

    Run run = install("--adopt", rustdesk.toString(), "--force", "--unit", "split");
    assertEquals(0, run.code(), run.output());
    assertArrayEquals(Files.readAllBytes(rustdesk.resolve("id_ed25519")), Files.readAllBytes(data.resolve("id_ed25519")));
    List<Path> backups;
    try (Stream<Path> s = Files.list(data)) {
      backups = s.filter(p -> p.getFileName().toString().startsWith("id_ed25519.bak-")).toList();
    }
    assertEquals(1, backups.size(), run.output());
    assertEquals(old, Files.readString(backups.get(0)));
    // without --no-start the split units would be enabled and started
    assertTrue(run.output().contains("would run: systemctl enable vertdesk-id.service vertdesk-relay.service"),
        run.output());
    assertTrue(run.output().contains("would run: systemctl disable --now vertdesk.service"), run.output());
  }

  @Test
  void installsThePluginJarsNextToTheJar() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    Files.write(plugins.resolve("vertdesk-webhook.jar"), "plugin bytes".getBytes(StandardCharsets.US_ASCII));
    write(plugins.resolve("README.txt"), "not a jar");
    Run run = install("--no-start");
    assertEquals(0, run.code(), run.output());
    Path installed = root.resolve("opt/vertdesk/plugins");
    assertArrayEquals(Files.readAllBytes(plugins.resolve("vertdesk-webhook.jar")),
        Files.readAllBytes(installed.resolve("vertdesk-webhook.jar")));
    assertFalse(Files.exists(installed.resolve("README.txt")));
    Map<String, String> before = snapshot(root);
    assertEquals(0, install("--no-start").code());
    assertEquals(before, snapshot(root), "a second run changes nothing");
  }

  @Test
  void refusesBadInput() throws Exception {
    assertNotEquals(0, install("--unit", "both").code());
    assertNotEquals(0, install("--bogus").code());
    assertNotEquals(0, run("--root", root.toString(), "--jar", tmp.resolve("missing.jar").toString()).code());
    assertNotEquals(0, install("--adopt", tmp.resolve("nowhere").toString()).code());
    write(rustdesk.resolve("id_ed25519"), "dG9vIHNob3J0"); // base64, but not 64 bytes
    Run bad = install("--adopt", rustdesk.toString(), "--no-start");
    assertNotEquals(0, bad.code(), bad.output());
    assertTrue(bad.output().contains("64-byte"), bad.output());
    assertFalse(Files.exists(data.resolve("id_ed25519")));
  }

  // ---- helpers ----

  private Run install(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--root", root.toString(), "--jar", jar.toString()));
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  private static Run run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "install.sh finished");
    return new Run(p.exitValue(), out);
  }

  /** Every path under dir with its permissions and, for files, a SHA-256 of the content. */
  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        m.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? perms + " " + sha256(p) : perms);
      }
    }
    return m;
  }

  private static String sha256(Path p) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static void write(Path p, String s) throws IOException {
    Files.write(p, s.getBytes(StandardCharsets.US_ASCII));
  }
}
