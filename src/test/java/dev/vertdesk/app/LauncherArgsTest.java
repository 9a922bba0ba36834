package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.CommandLineSettings;
import dev.vertdesk.config.Role;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The launcher's command line: commands, rustdesk-server's flags, and what a typo gets. */
class LauncherArgsTest {

  private static LauncherCommand read(String... args) {
    return LauncherArgs.read(args);
  }

  private static String refused(String... args) {
    return assertThrows(LauncherArgs.UsageException.class, () -> LauncherArgs.read(args)).getMessage();
  }

  private static Map<String, String> keys(LauncherCommand command) {
    Map<String, String> out = new LinkedHashMap<>();
    for (CommandLineSettings.Setting s : ((LauncherCommand.Serve) command).settings().settings()) {
      out.put(s.path(), s.value());
    }
    return out;
  }

  @Test
  void noArgumentsStartTheWholeServer() {
    LauncherCommand.Serve serve = assertInstanceOf(LauncherCommand.Serve.class, read());
    assertEquals(Optional.empty(), serve.role());
    assertEquals(CommandLineSettings.NONE, serve.settings());
    assertEquals(List.of(), serve.vertxArgs());
  }

  @Test
  void aMistypedCommandIsAnErrorWithASuggestionNotAServer() {
    assertTrue(refused("genkeypiar").contains("unknown command 'genkeypiar'; did you mean 'genkeypair'?"),
        refused("genkeypiar"));
    assertTrue(refused("hbsb").contains("did you mean 'hbbs'?"), refused("hbsb"));
    assertTrue(refused("frobnicate").contains("commands: hbbs, hbbr, genkeypair"), refused("frobnicate"));
    // a command word after options is not taken for a main verticle
    String late = refused("-conf", "x.json", "genkeypair");
    assertTrue(late.contains("unexpected argument 'genkeypair'; did you mean the command 'genkeypair'? (it comes first)"),
        late);
  }

  @Test
  void helpAndVersionAreCommandsAndOptions() {
    for (String[] args : List.of(new String[] {"help"}, new String[] {"--help"}, new String[] {"-h"},
        new String[] {"-help"}, new String[] {"-conf", "x.json", "--help"})) {
      assertEquals(new LauncherCommand.Help(Optional.empty()), read(args), String.join(" ", args));
    }
    assertEquals(new LauncherCommand.Help(Optional.of(Role.HBBS)), read("hbbs", "--help"));
    assertEquals(new LauncherCommand.Help(Optional.of(Role.HBBR)), read("hbbr", "-h"));
    assertEquals(new LauncherCommand.Help(Optional.of(Role.HBBR)), read("help", "hbbr"));
    for (String[] args : List.of(new String[] {"version"}, new String[] {"--version"}, new String[] {"-V"},
        new String[] {"hbbs", "--version"})) {
      assertEquals(new LauncherCommand.Version(), read(args), String.join(" ", args));
    }
    assertTrue(refused("help", "genkeypiar").contains("no help on 'genkeypiar'"));
    assertTrue(refused("version", "now").contains("'version' takes no arguments"));
  }

  @Test
  void toolsGetTheirArguments() {
    LauncherCommand.Utility u = assertInstanceOf(LauncherCommand.Utility.class, read("validatekeypair", "a", "b"));
    assertEquals(List.of("validatekeypair", "a", "b"), List.of(u.args()));
    LauncherCommand.Admin a = assertInstanceOf(LauncherCommand.Admin.class, read("admin", "--json", "status"));
    assertEquals(List.of("--json", "status"), List.of(a.args()));
  }

  @Test
  void hbbsTakesEveryFlagOfHbbsWithItsMeaning() {
    LauncherCommand command = read("hbbs", "-c", "hbbs.ini", "-p", "31116", "-r", "relay.example.com:21117",
        "-k", "_", "-M", "8388608", "-m", "192.168.0.0/16", "-s", "3", "-R", "id.example.com",
        "-u", "https://example.com/rd", "-b", "127.0.0.1");
    LauncherCommand.Serve serve = (LauncherCommand.Serve) command;
    assertEquals(Optional.of(Role.HBBS), serve.role());
    assertEquals(Optional.of(Path.of("hbbs.ini")), serve.settings().optionsFile());
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("role", "hbbs");
    expected.put("port", "31116");
    expected.put("relayServers", "relay.example.com:21117");
    expected.put("key", "_");
    expected.put("verticles.udp.config.rmem", "8388608");
    expected.put("mask", "192.168.0.0/16");
    expected.put("serial", "3");
    expected.put("rendezvousServers", "id.example.com");
    expected.put("softwareUrl", "https://example.com/rd");
    expected.put("bind", "127.0.0.1");
    assertEquals(expected, keys(command));
    // the long names mean the same
    assertEquals(expected, keys(read("hbbs", "--config", "hbbs.ini", "--port", "31116", "--relay-servers",
        "relay.example.com:21117", "--key", "_", "--rmem", "8388608", "--mask", "192.168.0.0/16", "--serial", "3",
        "--rendezvous-servers", "id.example.com", "--software-url", "https://example.com/rd", "--bind", "127.0.0.1")));
  }

  @Test
  void valuesMayBeAttachedAsClapReadsThem() {
    for (String[] args : List.of(new String[] {"hbbs", "-p31116"}, new String[] {"hbbs", "-p=31116"},
        new String[] {"hbbs", "--port=31116"}, new String[] {"hbbs", "--port", "31116"})) {
      assertEquals("31116", keys(read(args)).get("port"), String.join(" ", args));
    }
    assertEquals("_", keys(read("hbbr", "-k_")).get("key"));
    // a word is not a flag with its value glued on
    assertTrue(refused("hbbs", "-config", "x").startsWith("unknown option -config"), refused("hbbs", "-config", "x"));
  }

  @Test
  void hbbrTakesHbbrsFlagsAndItsPortIsTheRelayPort() {
    Map<String, String> k = keys(read("hbbr", "-p", "31117", "-k", "_", "-b", "::1"));
    assertEquals(Map.of("role", "hbbr", "verticles.relay.config.port", "31117", "key", "_", "bind", "::1"), k);
  }

  @Test
  void anUnknownFlagStopsWithTheAcceptedOnes() {
    String hbbr = refused("hbbr", "-c", "file.ini");
    assertTrue(hbbr.startsWith("unknown option -c."), hbbr);
    assertTrue(hbbr.contains("hbbr accepts: -p/--port, -k/--key, -b/--bind; and -conf, -cluster"), hbbr);
    String hbbs = refused("hbbs", "--relay-server", "x");
    assertTrue(hbbs.contains("unknown option --relay-server (did you mean --relay-servers?)"), hbbs);
    assertTrue(hbbs.contains("hbbs accepts: -c/--config, -p/--port, -r/--relay-servers, -k/--key, -M/--rmem, "
        + "-m/--mask, -s/--serial, -R/--rendezvous-servers, -u/--software-url, -b/--bind"), hbbs);
    String top = refused("-instances", "2");
    assertTrue(top.startsWith("unknown option -instances. Accepted: -conf, -cluster"), top);
    assertTrue(refused("hbbs", "-p").contains("-p needs a value <PORT>"), refused("hbbs", "-p"));
    assertTrue(refused("-conf").contains("-conf needs a value"));
  }

  @Test
  void vertxOptionsPassThroughAndConfIsOurs() {
    LauncherCommand.Serve serve = (LauncherCommand.Serve) read("hbbs", "-conf", "/etc/vertdesk/vertdesk.json",
        "-cluster", "-cluster-host", "10.0.0.5", "--cluster-port=5800", "-vertx-options", "{}", "-p", "21116");
    assertEquals(Optional.of("/etc/vertdesk/vertdesk.json"), serve.conf());
    assertEquals(List.of("-cluster", "-cluster-host", "10.0.0.5", "-cluster-port", "5800", "-options", "{}"),
        serve.vertxArgs());
    assertEquals("21116", keys(serve).get("port"));
    assertEquals(Optional.of("{\"port\":1}"), ((LauncherCommand.Serve) read("-CONF={\"port\":1}")).conf());
    assertTrue(refused("-cluster-port", "many").contains("-cluster-port expects a port"));
    assertTrue(refused("-cluster=yes").contains("-cluster takes no value"));
  }

  @Test
  void healthcheckReadsTheNodesCommandLine() {
    LauncherCommand.Healthcheck bare = assertInstanceOf(LauncherCommand.Healthcheck.class, read("healthcheck"));
    assertFalse(bare.given());
    LauncherCommand.Healthcheck hbbr = (LauncherCommand.Healthcheck) read("healthcheck", "hbbr", "-p", "31117",
        "--timeout", "2000");
    assertTrue(hbbr.given());
    assertEquals(Optional.of(Role.HBBR), hbbr.serve().role());
    assertEquals(2000, hbbr.timeoutMillis());
    LauncherCommand.Healthcheck url = (LauncherCommand.Healthcheck) read("healthcheck", "--url", "http://h:1/health/ready");
    assertEquals(Optional.of("http://h:1/health/ready"), url.url());
    assertTrue(refused("healthcheck", "--timeout", "-1").contains("--timeout expects a positive number"));
  }
}
