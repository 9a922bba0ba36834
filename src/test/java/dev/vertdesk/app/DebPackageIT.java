package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.TarEntries;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * target/vertdesk.deb as dpkg reads it: its control fields, conffiles and maintainer scripts, and
 * the files it installs where Debian wants them. (.ci/packaging-check installs and purges it.)
 */
class DebPackageIT {

  private static final Path DEB = Path.of("target", "vertdesk.deb");
  private static Map<String, byte[]> members;
  private static Map<String, TarEntries.Entry> control;
  private static Map<String, TarEntries.Entry> data;

  /** The members of an ar archive (the .deb container). */
  static Map<String, byte[]> ar(byte[] file) {
    assertEquals("!<arch>\n", new String(file, 0, 8, StandardCharsets.US_ASCII));
    Map<String, byte[]> out = new LinkedHashMap<>();
    int at = 8;
    while (at + 60 <= file.length) {
      String name = new String(file, at, 16, StandardCharsets.US_ASCII).trim();
      int size = Integer.parseInt(new String(file, at + 48, 10, StandardCharsets.US_ASCII).trim());
      byte[] content = new byte[size];
      System.arraycopy(file, at + 60, content, 0, size);
      out.put(name.endsWith("/") ? name.substring(0, name.length() - 1) : name, content);
      at += 60 + size + (size % 2);
    }
    return out;
  }

  private static Map<String, TarEntries.Entry> tarGz(byte[] bytes) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return TarEntries.read(in);
    }
  }

  @BeforeAll
  static void read() throws Exception {
    members = ar(Files.readAllBytes(DEB));
    control = tarGz(members.get("control.tar.gz"));
    data = tarGz(members.get("data.tar.gz"));
  }

  private static String text(TarEntries.Entry e) {
    return new String(e.content(), StandardCharsets.UTF_8);
  }

  @Test
  void theControlFieldsNameTheVersionAndAJavaRuntime() {
    assertEquals(List.of("debian-binary", "control.tar.gz", "data.tar.gz"), List.copyOf(members.keySet()));
    assertEquals("2.0\n", new String(members.get("debian-binary"), StandardCharsets.US_ASCII));
    String fields = text(control.get("control"));
    assertTrue(fields.contains("Package: vertdesk\n"), fields);
    String version = System.getProperty("vertdesk.version").replace("-SNAPSHOT", "~snapshot");
    assertTrue(fields.contains("Version: " + version + "\n"), fields);
    assertTrue(fields.contains("Architecture: all\n"), fields);
    assertTrue(fields.contains("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, adduser\n"), fields);
    assertEquals(new TreeSet<>(List.of("/etc/vertdesk/vertdesk.json", "/etc/default/vertdesk")),
        new TreeSet<>(text(control.get("conffiles")).lines().toList()));
    for (String script : List.of("postinst", "prerm", "postrm")) {
      assertEquals(0755, control.get(script).mode(), script);
    }
    String postrm = text(control.get("postrm"));
    int purge = postrm.indexOf("if [ \"$1\" = \"purge\" ]");
    assertTrue(purge > 0 && postrm.indexOf("rm -rf /var/lib/vertdesk") > purge, "data goes on purge only:\n" + postrm);
    assertTrue(text(control.get("postinst")).contains("adduser --system --group --home /var/lib/vertdesk"));
  }

  @Test
  void theFilesGoWhereDebianWantsThem() throws Exception {
    assertArrayEquals(Files.readAllBytes(Path.of("target", "vertdesk.jar")), data.get("usr/share/vertdesk/vertdesk.jar").content());
    assertArrayEquals(Files.readAllBytes(Path.of("target", "plugins", "vertdesk-webhook.jar")),
        data.get("usr/share/vertdesk/plugins/vertdesk-webhook.jar").content());
    TarEntries.Entry command = data.get("usr/bin/vertdesk");
    assertEquals(0755, command.mode());
    assertArrayEquals(Files.readAllBytes(Path.of("packaging", "vertdesk")), command.content());
    for (String unit : List.of("vertdesk.service", "vertdesk-id.service", "vertdesk-relay.service")) {
      assertArrayEquals(Files.readAllBytes(Path.of("systemd", unit)), data.get("lib/systemd/system/" + unit).content(), unit);
    }
    assertTrue(data.containsKey("etc/vertdesk/vertdesk.json") && data.containsKey("etc/default/vertdesk"));
    assertTrue(data.containsKey("usr/share/doc/vertdesk/README.Debian"));
    assertTrue(data.keySet().stream().noneMatch(p -> p.startsWith("var/")), "the data directory is postinst's: "
        + data.keySet());
    assertTrue(data.values().stream().allMatch(e -> e.uid() == 0), "everything installed belongs to root");
  }
}
