package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.Role;
import dev.vertdesk.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code vertdesk healthcheck}: which URL it asks, and what it makes of the answer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HealthcheckTest {

  @TempDir
  Path dir;

  private record Result(int code, String output) {
  }

  private static Result probe(String url) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Healthcheck.probe(url, 3000, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return new Result(code, bytes.toString(StandardCharsets.UTF_8));
  }

  private String url(Map<String, String> env, String... args) {
    LauncherCommand.Healthcheck check = (LauncherCommand.Healthcheck) LauncherArgs.read(args);
    return Healthcheck.readyUrl(check.serve(), env);
  }

  @Test
  void theUrlFollowsTheRoleAndTheFlags() {
    Map<String, String> env = Map.of("VERTDESK_DATA_DIR", dir.toString());
    assertEquals("http://127.0.0.1:21120/health/ready", url(env, "healthcheck"));
    assertEquals("http://127.0.0.1:21120/health/ready", url(env, "healthcheck", "hbbs"));
    assertEquals("http://127.0.0.1:21121/health/ready", url(env, "healthcheck", "hbbr"));
    assertEquals("http://127.0.0.1:31121/health/ready", url(env, "healthcheck", "hbbr", "-p", "31117"));
    assertEquals("http://127.0.0.1:31120/health/ready",
        url(Map.of("VERTDESK_DATA_DIR", dir.toString(), "PORT", "31116"), "healthcheck", "hbbs"));
    assertEquals("http://[::1]:4000/health/ready", url(Map.of("VERTDESK_DATA_DIR", dir.toString(),
        "VERTDESK_VERTICLES__ADMIN__CONFIG__HOST", "::1", "VERTDESK_VERTICLES__ADMIN__CONFIG__PORT", "4000"), "healthcheck"));
    assertEquals("http://127.0.0.1:21120/health/ready", url(Map.of("VERTDESK_DATA_DIR", dir.toString(),
        "VERTDESK_VERTICLES__ADMIN__CONFIG__HOST", "0.0.0.0"), "healthcheck"));
  }

  @Test
  void inTheImageTheNodesArgumentsComeFromTheFirstProcess() throws Exception {
    byte[] cmdline = String.join("\0", List.of("/opt/java/bin/java", "-Dvertdesk.container=true", "-jar",
        "/opt/vertdesk/vertdesk.jar", "hbbr", "-p", "31117", "")).getBytes(StandardCharsets.UTF_8);
    assertEquals(List.of("hbbr", "-p", "31117"), List.of(Healthcheck.serverArgs(cmdline).orElseThrow()));
    Path proc = Files.write(dir.resolve("cmdline"), cmdline);
    LauncherCommand.Healthcheck bare = (LauncherCommand.Healthcheck) LauncherArgs.read(new String[] {"healthcheck"});
    LauncherCommand.Serve serve = Healthcheck.serverOf(bare, proc);
    assertEquals(Optional.of(Role.HBBR), serve.role());
    assertEquals("http://127.0.0.1:31121/health/ready",
        Healthcheck.readyUrl(serve, Map.of("VERTDESK_DATA_DIR", dir.toString())));
    // another first process (systemd on a host): the defaults
    Path systemd = Files.write(dir.resolve("systemd"), "/sbin/init\0splash\0".getBytes(StandardCharsets.UTF_8));
    assertEquals(Optional.empty(), Healthcheck.serverOf(bare, systemd).role());
    // arguments given after healthcheck win
    LauncherCommand.Healthcheck given = (LauncherCommand.Healthcheck) LauncherArgs.read(new String[] {"healthcheck", "hbbs"});
    assertEquals(Optional.of(Role.HBBS), Healthcheck.serverOf(given, proc).role());
  }

  @Test
  void readyIsZeroAndNotReadyOrNothingIsOne() throws Exception {
    try (TestNode node = TestNode.start(dir)) {
      String url = "http://127.0.0.1:" + node.port("admin") + "/health/ready";
      Result ready = probe(url);
      assertEquals(0, ready.code(), ready.output());
      node.core().drain().begin();
      Result draining = probe(url);
      assertEquals(1, draining.code(), draining.output());
      assertTrue(draining.output().contains("answered 503") && draining.output().contains("draining"), draining.output());
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Result nothing = probe("http://127.0.0.1:" + closed + "/health/ready");
    assertEquals(1, nothing.code(), nothing.output());
    assertTrue(nothing.output().startsWith("not ready: http://127.0.0.1:" + closed), nothing.output());
  }

  @Test
  void withoutAnAdminPortThereIsNothingToAsk() {
    LauncherCommand.Healthcheck check = (LauncherCommand.Healthcheck) LauncherArgs.read(new String[] {"healthcheck"});
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Healthcheck.run(check, Map.of("VERTDESK_DATA_DIR", dir.toString(),
        "VERTDESK_VERTICLES__ADMIN__ENABLED", "false"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertEquals(1, code);
    assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("the admin port is off here"), bytes.toString());
  }
}
