package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.JarProcess;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the packaged jar starts and fails to: a port in use or a data directory it may not write
 * is one clear line and a prompt exit, not a drain, a wait and a stack trace; a start says
 * which version runs and how many devices the database holds.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StartupFailuresIT {

  @TempDir
  Path dataDir;

  private static String failureLine(JarProcess node) {
    return node.lines.stream().filter(l -> l.startsWith("vertdesk: ")).findFirst().orElse(null);
  }

  @Test
  void aPortInUseIsOneLineAndAPromptExit() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      JsonObject conf = JarProcess.loopbackConf(dataDir);
      conf.getJsonObject("verticles").getJsonObject("signaling").getJsonObject("config").put("port", port);
      try (JarProcess node = JarProcess.start(conf)) {
        assertTrue(node.awaitLine("vertdesk: cannot start", 90_000), node.output());
        long seen = System.nanoTime();
        assertTrue(node.awaitExit(30_000), "the process exits:\n" + node.output());
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - seen);
        assertEquals(1, node.process.exitValue(), node.output());
        assertTrue(exitMillis < 10_000, "exited " + exitMillis + " ms after its error line:\n" + node.output());
        assertEquals("vertdesk: cannot start: signaling cannot bind 127.0.0.1:" + port + ": Address already in use",
            failureLine(node), node.output());
        assertFalse(node.output().contains("draining"), "a node that never served does not drain:\n" + node.output());
        assertFalse(node.output().contains("\tat "), "no stack trace:\n" + node.output());
      }
    }
  }

  @Test
  void aDataDirectoryOfAnotherUserIsRefusedBeforeAnythingOpens() throws Exception {
    Path data = dataDir.resolve("data");
    Files.createDirectories(data);
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-xr-xr-x"));
    List<String> asOther = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      // root writes anywhere: run the jar as nobody, as a container's user meets a root-owned ./data
      Path runuser = Path.of("/usr/sbin/runuser");
      org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(runuser), "runuser is not installed");
      asOther.addAll(List.of(runuser.toString(), "-u", "nobody", "--"));
    }
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    List<String> command = new ArrayList<>(asOther);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-jar", jar,
        "-conf", JarProcess.loopbackConf(data).encode()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(new File("/"));
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_"));
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, p.exitValue(), output);
    assertTrue(output.contains("vertdesk: config key 'dataDir': " + data + " is not writable (owner uid "), output);
    assertTrue(output.contains("this process runs as uid "), output);
    try (var files = Files.list(data)) {
      assertEquals(0, files.count(), "nothing written");
    }
  }

  @Test
  void theBannerSaysTheVersionRoleAndDevicesInTheDatabase() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("db_v2.sqlite3"));
         Statement st = c.createStatement()) {
      st.execute("create table peer (guid blob primary key not null, id varchar(100) not null, uuid blob not null,"
          + " pk blob not null, created_at datetime not null default(current_timestamp), user blob, status tinyint,"
          + " note varchar(300), info text not null)");
      st.execute("create unique index index_peer_id on peer (id)");
      for (int i = 0; i < 3; i++) {
        st.execute("insert into peer (guid, id, uuid, pk, info) values (x'0" + i + "', '12345678" + i
            + "', x'01', x'02', '{}')");
      }
    }
    try (JarProcess node = JarProcess.start(JarProcess.loopbackConf(dataDir))) {
      node.awaitStarted(90_000);
      String banner = node.lines.stream().filter(l -> l.contains(" started as ")).findFirst().orElseThrow();
      assertTrue(banner.contains("Vertdesk " + System.getProperty("vertdesk.version") + " node "), banner);
      assertTrue(banner.contains(" started as all (") && banner.contains("3 devices in the database"), banner);
    }
  }

  @Test
  void inTheImageHalfAKeyPairStopsTheStartNamingIt() throws Exception {
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-D" + VertdeskApplication.CONTAINER_PROPERTY + "=true", "-jar", jar, "hbbs")
        .redirectErrorStream(true).directory(dataDir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_") || k.startsWith("KEY"));
    pb.environment().put("KEY_PUB", "gybOg4KNe9zT0+kKbRJ1jdsiPIfGjDlST1GZKNEoneg=");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, p.exitValue(), output);
    assertTrue(output.contains("\nvertdesk: config key 'KEY_PUB/KEY_PRIV': only one half of the key pair is given"
        + " (variable KEY_PUB)") || output.startsWith("vertdesk: config key 'KEY_PUB/KEY_PRIV'"), output);
    try (var files = Files.list(dataDir)) {
      assertEquals(0, files.count(), "nothing written");
    }
  }
}
