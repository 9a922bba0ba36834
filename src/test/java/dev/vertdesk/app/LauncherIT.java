package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.JarProcess;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar starts as README says, prints its key, serves devices, and fails loudly. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherIT {

  @TempDir
  Path dataDir;

  private static final Pattern PORTS = Pattern.compile("started .*\\{(.*)}");

  private Process launch(JsonObject conf) throws Exception {
    return launch(Map.of(), "-conf", conf.encode());
  }

  private Process launch(Map<String, String> env, String... args) throws Exception {
    String jar = System.getProperty("vertdesk.jar", "target/vertdesk.jar");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_") || List.of("PORT", "KEY", "BIND",
        "RELAY_SERVERS", "DB_URL", "MASK", "RMEM", "ALWAYS_USE_RELAY", "LOCAL_IP").contains(k.toUpperCase()));
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return pb.start();
  }

  /** Runs a start that must be refused for its configuration; its output. */
  private String refused(Map<String, String> env, String... args) throws Exception {
    Process p = launch(env, args);
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(78, p.exitValue(), "EX_CONFIG:\n" + output);
    assertFalse(output.contains("Vertdesk node"), "nothing started:\n" + output);
    assertFalse(Files.exists(dataDir.resolve("id_ed25519")), "nothing written:\n" + output);
    return output;
  }

  @Test
  void aMissingConfFileStopsTheStartNamingIt() throws Exception {
    Path missing = dataDir.resolve("vertdesk.json");
    String output = refused(Map.of(), "-conf", missing.toString());
    assertTrue(output.contains("'-conf'") && output.contains("no such file: " + missing.toAbsolutePath()), output);
  }

  @Test
  void aMalformedConfFileStopsTheStartNamingIt() throws Exception {
    Path file = Files.writeString(dataDir.resolve("vertdesk.json"), "{\"port\": 21116,\n");
    String output = refused(Map.of(), "-conf", file.toString());
    assertTrue(output.contains(file.toString() + " is not a JSON object"), output);
  }

  @Test
  void aMisspelledKeyOrVariableStopsTheStartWithASuggestion() throws Exception {
    Path file = Files.writeString(dataDir.resolve("vertdesk.json"), JarProcess.loopbackConf(dataDir)
        .put("relayServer", "relay.example").encode());
    String output = refused(Map.of(), "-conf", file.toString());
    assertTrue(output.contains("'relayServer': unknown key; did you mean 'relayServers'?"), output);

    String env = refused(Map.of("VERTDESK_KEEP_ALIVE_SECOND", "20"), "-conf", JarProcess.loopbackConf(dataDir).encode());
    assertTrue(env.contains("VERTDESK_KEEP_ALIVE_SECOND names no configuration key; did you mean "
        + "VERTDESK_KEEP_ALIVE_SECONDS ('keepAliveSeconds')?"), env);
  }

  @Test
  void startsPrintsKeyAndServes() throws Exception {
    Process p = launch(JarProcess.loopbackConf(dataDir));
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String key = null;
      String ports = null;
      List<String> lines = new ArrayList<>();
      String line;
      while (ports == null && (line = out.readLine()) != null) {
        lines.add(line);
        if (line.contains(" Key: ")) {
          key = line.substring(line.indexOf(" Key: ") + 6).trim();
        }
        Matcher m = PORTS.matcher(line);
        if (m.find()) {
          ports = m.group(1);
        }
      }
      assertNotNull(ports, "no start line in:\n" + String.join("\n", lines));
      assertEquals(Files.readString(dataDir.resolve("id_ed25519.pub")).trim(), key, "the printed key is the .pub");
      int udp = -1;
      for (String entry : ports.split(",\\s*")) {
        String[] kv = entry.split("=");
        if (kv[0].equals("udp")) {
          udp = Integer.parseInt(kv[1]);
        }
      }
      try (UdpDevice d = new UdpDevice("launcher-probe", new byte[] {1}, new byte[] {1}, udp)) {
        d.send(RendezvousMessage.newBuilder().setRegisterPeer(RegisterPeer.newBuilder().setId("launcher-probe")).build());
        RendezvousMessage m = d.receive(RendezvousMessage.UnionCase.REGISTER_PEER_RESPONSE);
        assertNotNull(m);
        assertTrue(m.getRegisterPeerResponse().getRequestPk());
      }
    } finally {
      p.destroy();
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "SIGTERM stops the server");
    }
  }

  @Test
  void malformedKeyFileIsFatal() throws Exception {
    Files.writeString(dataDir.resolve("id_ed25519"), "not-a-key");
    Process p = launch(JarProcess.loopbackConf(dataDir));
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertNotEquals(0, p.exitValue(), output);
    assertTrue(output.contains("id_ed25519"), "the error names the key file:\n" + output);
  }

  @Test
  void badConfigValueNamesTheKey() throws Exception {
    Process p = launch(JarProcess.loopbackConf(dataDir).put("port", "not-a-port"));
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, p.exitValue(), output);
    assertTrue(output.contains("'port'"), output);
  }
}
