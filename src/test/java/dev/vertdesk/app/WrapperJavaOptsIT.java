package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units start the server through the {@code vertdesk} command, which hands JAVA_OPTS (from
 * /etc/default/vertdesk) to the JVM and the rest to the jar: shown here by a JVM option that
 * changes what the launcher does.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WrapperJavaOptsIT {

  @TempDir
  Path dir;

  @Test
  void javaOptsReachTheJvmAndArgumentsTheLauncher() throws Exception {
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    ProcessBuilder pb = new ProcessBuilder("sh", Path.of("packaging/vertdesk").toAbsolutePath().toString(), "hbbs",
        "-p", "31116").redirectErrorStream(true).directory(dir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_"));
    pb.environment().put("VERTDESK_JAR", jar);
    pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // with the image's property, ENCRYPTED_ONLY is read, and this value is refused before anything opens
    pb.environment().put("JAVA_OPTS", "-Xmx128m -D" + VertdeskApplication.CONTAINER_PROPERTY + "=true");
    pb.environment().put("ENCRYPTED_ONLY", "maybe");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, p.exitValue(), out);
    assertTrue(out.contains("vertdesk: config key 'ENCRYPTED_ONLY': expected 0 or 1, got maybe"), out);
  }
}
