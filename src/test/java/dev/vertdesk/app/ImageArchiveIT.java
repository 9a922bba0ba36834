package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.JarProcess;
import dev.vertdesk.testing.TarEntries;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/vertdesk-image.tar as {@code docker load} and {@code podman load} read it: a Docker image
 * archive tagged with the project's version, non-root, /data as working directory and volume,
 * a health check through the launcher, and a root file system with the jlink'd runtime, the C
 * libraries it needs and the jar. The runtime itself starts a node (its modules suffice); that
 * the image runs under a container engine is .ci/packaging-check's part.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ImageArchiveIT {

  private static final Path ARCHIVE = Path.of("target", "vertdesk-image.tar");
  private static final String VERSION = System.getProperty("vertdesk.version");
  private static JsonObject config;
  /** Every layer's entries, later layers over earlier ones, as the container sees them. */
  private static final Map<String, TarEntries.Entry> rootfs = new HashMap<>();

  @TempDir
  Path dataDir;

  @BeforeAll
  static void read() throws Exception {
    Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "the image is built on Linux hosts only");
    // the archive is read once and only the file system of its layers is kept (the fork's heap is 512 MiB)
    Map<String, TarEntries.Entry> outer;
    try (InputStream in = Files.newInputStream(ARCHIVE)) {
      outer = TarEntries.read(in);
    }
    JsonArray manifest = new JsonArray(new String(outer.get("manifest.json").content(), StandardCharsets.UTF_8));
    assertEquals(1, manifest.size());
    JsonObject image = manifest.getJsonObject(0);
    assertEquals(List.of("vertdesk:" + VERSION, "vertdesk:latest"), image.getJsonArray("RepoTags").getList());
    config = new JsonObject(new String(outer.get(image.getString("Config")).content(), StandardCharsets.UTF_8));
    List<Object> diffIds = config.getJsonObject("rootfs").getJsonArray("diff_ids").getList();
    List<Object> layers = image.getJsonArray("Layers").getList();
    assertEquals(layers.size(), diffIds.size());
    for (int i = 0; i < layers.size(); i++) {
      byte[] layer = outer.get((String) layers.get(i)).content();
      assertEquals("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(layer)),
          diffIds.get(i), "layer " + i + " has the digest the config names");
      rootfs.putAll(TarEntries.read(new ByteArrayInputStream(layer)));
    }
  }

  @Test
  void theConfigurationRunsTheServerAsAUserWithDataInData() {
    JsonObject c = config.getJsonObject("config");
    assertEquals("linux", config.getString("os"));
    assertEquals("1000:1000", c.getString("User"));
    assertEquals("/data", c.getString("WorkingDir"));
    assertTrue(c.getJsonObject("Volumes").containsKey("/data"));
    assertEquals(List.of("/opt/java/bin/java", "-Dvertdesk.container=true", "-jar", "/opt/vertdesk/vertdesk.jar"),
        c.getJsonArray("Entrypoint").getList());
    assertEquals(List.of(), c.getJsonArray("Cmd").getList(), "no command: the all-in-one server");
    JsonArray test = c.getJsonObject("Healthcheck").getJsonArray("Test");
    assertEquals("CMD", test.getString(0));
    assertEquals("healthcheck", test.getString(test.size() - 1));
    assertTrue(c.getJsonObject("ExposedPorts").fieldNames().containsAll(List.of("21115/tcp", "21116/tcp", "21116/udp",
        "21117/tcp", "21118/tcp", "21119/tcp")));
    assertEquals(VERSION, c.getJsonObject("Labels").getString("org.opencontainers.image.version"));
  }

  @Test
  void theRootFileSystemHoldsTheRuntimeItsLibrariesAndTheJar() throws Exception {
    assertEquals(0755, rootfs.get("opt/java/bin/java").mode());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream jar = Files.newInputStream(Path.of("target", "vertdesk.jar"))) {
      byte[] chunk = new byte[1 << 16];
      for (int n; (n = jar.read(chunk)) > 0; ) {
        sha.update(chunk, 0, n);
      }
    }
    assertArrayEquals(sha.digest(), MessageDigest.getInstance("SHA-256").digest(rootfs.get("opt/vertdesk/vertdesk.jar").content()),
        "the image holds the jar of this build");
    assertNotNull(rootfs.get("opt/vertdesk/plugins/vertdesk-webhook.jar"));
    assertTrue(new String(rootfs.get("etc/passwd").content(), StandardCharsets.US_ASCII).contains("vertdesk:x:1000:1000:"));
    assertEquals(01777, rootfs.get("tmp").mode(), "native libraries unpack into /tmp");
    assertEquals(1000, rootfs.get("data").uid());
    assertEquals("usr/lib", rootfs.get("lib").target());
    String triplet = System.getProperty("os.arch").equals("aarch64") ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
    for (String lib : List.of("libc.so.6", "libm.so.6", "libz.so.1", "libstdc++.so.6", "libgcc_s.so.1")) {
      assertNotNull(rootfs.get("usr/lib/" + triplet + "/" + lib), lib);
    }
    if (triplet.startsWith("x86_64")) {
      TarEntries.Entry loader = rootfs.get("lib64/ld-linux-x86-64.so.2");
      assertEquals('2', loader.type());
      assertNotNull(rootfs.get(loader.target().substring(1)), "the program interpreter is in the image");
    }
    assertFalse(rootfs.containsKey("opt/java/lib/libawt_xawt.so"), "no X11 libraries");
    assertTrue(Files.size(ARCHIVE) < 160L << 20, "small: " + (Files.size(ARCHIVE) >> 20) + " MB");
  }

  @Test
  void theJlinkedRuntimeRunsANode() throws Exception {
    Path runtimeJava = Path.of("target", "image", "runtime", "bin", "java").toAbsolutePath();
    String jar = Path.of("target", "vertdesk.jar").toAbsolutePath().toString();
    ProcessBuilder pb = new ProcessBuilder(runtimeJava.toString(), "-Xmx256m", "-jar", jar, "-conf",
        JarProcess.loopbackConf(dataDir).encode()).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_"));
    Process p = pb.start();
    try {
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
      StringBuilder seen = new StringBuilder();
      String line;
      java.util.regex.Matcher udp = null;
      while ((line = out.readLine()) != null) {
        seen.append(line).append('\n');
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("started .*udp=(\\d+)").matcher(line);
        if (m.find()) {
          udp = m;
          break;
        }
      }
      assertNotNull(udp, "the node started on the jlink'd runtime:\n" + seen);
      assertTrue(seen.toString().contains("native transport"), "Netty's epoll library loads:\n" + seen);
      try (UdpDevice d = new UdpDevice("image-probe", new byte[] {1}, new byte[] {1}, Integer.parseInt(udp.group(1)))) {
        d.send(RendezvousMessage.newBuilder().setRegisterPeer(RegisterPeer.newBuilder().setId("image-probe")).build());
        assertNotNull(d.receive(RendezvousMessage.UnionCase.REGISTER_PEER_RESPONSE), "SQLite and the UDP path work");
      }
    } finally {
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
  }
}
