package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.Deployment;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.config.Role;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vertdesk hbbs} and {@code vertdesk hbbr} as configurations: the flags land on the keys
 * rustdesk-server gives them, win over the other layers, and the two roles started from one
 * configuration on one host bind disjoint ports (admin ports included).
 */
class ServerCommandsConfigTest {

  @TempDir
  Path dir;

  private NodeConfig load(Map<String, String> env, String... args) {
    LauncherCommand.Serve serve = (LauncherCommand.Serve) LauncherArgs.read(args);
    JsonObject conf = dev.vertdesk.config.ConfigLoader.readConf(serve.conf().orElse(null));
    if (!conf.containsKey("dataDir")) {
      conf.put("dataDir", dir.toString());
    }
    return NodeConfig.load(conf, env, serve.settings());
  }

  private static Set<String> enabled(NodeConfig c) {
    Set<String> on = new TreeSet<>();
    for (Deployment<?> d : c.builtIns()) {
      if (d.enabled()) {
        on.add(d.name());
      }
    }
    return on;
  }

  /** The enabled listeners as "tcp/21116", "udp/21116" ... with what binds them. */
  private static Map<String, String> sockets(NodeConfig c) {
    Map<String, String> out = new TreeMap<>();
    if (c.udp().enabled()) {
      out.put("udp/" + c.udp().options().port(), "udp");
    }
    record Tcp(Deployment<?> d, int port) {
    }
    for (Tcp t : List.of(new Tcp(c.signaling(), c.signaling().options().port()), new Tcp(c.nat(), c.nat().options().port()),
        new Tcp(c.relay(), c.relay().options().port()), new Tcp(c.ws(), c.ws().options().port()),
        new Tcp(c.wsrelay(), c.wsrelay().options().port()), new Tcp(c.api(), c.api().options().port()),
        new Tcp(c.admin(), c.admin().options().port()))) {
      if (t.d().enabled()) {
        assertEquals(null, out.put("tcp/" + t.port(), t.d().name()), "one port, one verticle: " + out);
      }
    }
    return out;
  }

  @Test
  void hbbsRunsTheIdServerOnTheFlagsPorts() {
    NodeConfig c = load(Map.of("LOCAL_IP", "192.0.2.1"), "hbbs", "-p", "31116", "-r", "relay.example.com", "-k", "_", "-M", "8388608",
        "-m", "10.0.0.0/8", "-s", "4", "-R", "id1.example.com,id2.example.com", "-u", "https://example.com/rd",
        "-b", "127.0.0.1");
    assertEquals(Role.HBBS, c.operations().role());
    // the API belongs to the ID server, as in RustDesk Server Pro's hbbs
    assertEquals(new TreeSet<>(List.of("udp", "signaling", "nat", "ws", "api", "admin")), enabled(c));
    assertEquals(Map.of("udp/31116", "udp", "tcp/31116", "signaling", "tcp/31115", "nat", "tcp/31118", "ws",
        "tcp/31114", "api", "tcp/31120", "admin"), sockets(c));
    assertEquals(List.of("relay.example.com"), c.server().relayServers());
    assertEquals("_", c.server().key());
    assertEquals(8388608, c.udp().options().rmem());
    assertEquals(8, c.server().mask().orElseThrow().prefix());
    assertEquals(4, c.server().serial());
    assertEquals(List.of("id1.example.com", "id2.example.com"), c.server().rendezvousServers());
    assertEquals("https://example.com/rd", c.server().softwareUrl());
    assertEquals("127.0.0.1", c.server().bind());
    assertEquals("127.0.0.1", c.udp().options().host());
  }

  @Test
  void hbbrRunsTheRelayOnItsPortAndHbbrsPortRule() {
    NodeConfig flag = load(Map.of(), "hbbr", "-p", "31117", "-k", "_");
    assertEquals(Map.of("tcp/31117", "relay", "tcp/31119", "wsrelay", "tcp/31121", "admin"), sockets(flag));
    // as in hbbr, PORT in the environment is the ID server's: the relay takes PORT+1
    NodeConfig env = load(Map.of("PORT", "31116"), "hbbr");
    assertEquals(Map.of("tcp/31117", "relay", "tcp/31119", "wsrelay", "tcp/31121", "admin"), sockets(env));
    NodeConfig defaults = load(Map.of(), "hbbr");
    assertEquals(Map.of("tcp/21117", "relay", "tcp/21119", "wsrelay", "tcp/21121", "admin"), sockets(defaults));
  }

  @Test
  void theRolesOfOneHostNeverShareAPort() {
    for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("PORT", "31116"))) {
      Map<String, String> hbbs = sockets(load(env, "hbbs"));
      Map<String, String> hbbr = sockets(load(env, "hbbr"));
      Set<String> shared = new TreeSet<>(hbbs.keySet());
      shared.retainAll(hbbr.keySet());
      assertTrue(shared.isEmpty(), "hbbs " + hbbs + " and hbbr " + hbbr + " share " + shared);
      // together they are exactly the all-in-one node's listeners, the relay's admin port aside
      Map<String, String> all = sockets(load(env));
      Map<String, String> both = new TreeMap<>(hbbs);
      hbbr.forEach((k, v) -> {
        if (!v.equals("admin")) {
          both.put(k, v);
        }
      });
      assertEquals(all, both, "env " + env);
    }
  }

  @Test
  void aRoleKeepsOtherVerticlesOffWhateverTheFileSays() throws Exception {
    Path file = Files.writeString(dir.resolve("vertdesk.json"), new JsonObject().put("dataDir", dir.toString())
        .put("verticles", new JsonObject().put("udp", new JsonObject().put("enabled", true))
            .put("relay", new JsonObject().put("enabled", true))).encode());
    assertEquals(Set.of("relay", "wsrelay", "admin"), enabled(load(Map.of(), "hbbr", "-conf", file.toString())));
    // enabled still switches within the role
    assertEquals(Set.of("signaling", "nat", "ws", "api", "admin"),
        enabled(load(Map.of("VERTDESK_VERTICLES__UDP__ENABLED", "false"), "hbbs")));
    assertEquals(Role.HBBR, load(Map.of("VERTDESK_ROLE", "hbbr")).operations().role());
  }

  @Test
  void flagsWinOverTheOptionsFileWhichWinsOverDotEnvAndTheEnvironment() throws Exception {
    Files.writeString(dir.resolve(".env"), "RELAY_SERVERS=from-dotenv\nALWAYS_USE_RELAY=Y\nKEY=dotenv-key\n");
    Path ini = Files.writeString(dir.resolve("hbbs.ini"), "relay-servers=from-ini\nKEY=ini-key\nTOTAL_BANDWIDTH=0\n");
    Map<String, String> env = new HashMap<>(Map.of("RELAY_SERVERS", "from-env", "PORT", "31116",
        "VERTDESK_RELAY_SERVERS", "from-vertdesk-variable"));
    NodeConfig c = load(env, "hbbs", "-c", ini.toString(), "-k", "flag-key");
    assertEquals(List.of("from-ini"), c.server().relayServers());
    assertEquals("flag-key", c.server().key());
    assertTrue(c.server().alwaysUseRelay(), ".env still applies where nothing later speaks");
    assertEquals(31116, c.server().basePort());
    assertEquals(1024.0, c.relay().options().totalBandwidth(), "as in hbbr, 0 keeps the default");
    assertEquals(List.of("from-vertdesk-variable"), load(env, "hbbs").server().relayServers(),
        "without the file, VERTDESK_* wins over .env");
  }

  @Test
  void aBadFlagValueNamesTheFlag() {
    ConfigException port = assertThrows(ConfigException.class, () -> load(Map.of(), "hbbs", "-p", "70000"));
    assertEquals("config key 'port': 70000 is outside 3..65533 (from command-line flag -p)", port.getMessage());
    ConfigException relay = assertThrows(ConfigException.class, () -> load(Map.of(), "hbbr", "--port", "x"));
    assertTrue(relay.getMessage().endsWith("not an integer: x (from command-line flag --port)"), relay.getMessage());
    ConfigException bind = assertThrows(ConfigException.class, () -> load(Map.of(), "hbbs", "-b", "localhost"));
    assertTrue(bind.getMessage().contains("'bind'") && bind.getMessage().contains("-b"), bind.getMessage());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> load(Map.of(), "hbbs", "-c", dir.resolve("absent.ini").toString()));
    assertTrue(missing.getMessage().startsWith("config key '-c': no such file"), missing.getMessage());
    ConfigException role = assertThrows(ConfigException.class, () -> load(Map.of("VERTDESK_ROLE", "hbbx")));
    assertTrue(role.getMessage().contains("expected all, hbbs or hbbr, got hbbx"), role.getMessage());
  }

  @Test
  void aPortDerivedBeyond65535IsRefusedNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), "hbbs", "-p", "65533"));
    assertEquals("config key 'verticles.admin.config.port': derived from port 65533 it would be 65537, above 65535:"
        + " set it, or a lower port", e.getMessage());
    List<String> hbbrOk = new ArrayList<>(sockets(load(Map.of(), "hbbr", "-p", "65531")).keySet());
    assertEquals(List.of("tcp/65531", "tcp/65533", "tcp/65535"), hbbrOk);
    assertFalse(assertThrows(ConfigException.class, () -> load(Map.of(), "hbbr", "-p", "65532")).getMessage().isEmpty());
  }
}
