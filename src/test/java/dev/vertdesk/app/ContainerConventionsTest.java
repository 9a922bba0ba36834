package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.Nacl;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rustdesk-server image's variables and secrets, as our image reads them. */
class ContainerConventionsTest {

  @TempDir
  Path data;
  @TempDir
  Path secrets;

  private final Nacl.KeyPair pair = Nacl.signKeyPair();
  private final String pk = Base64.getEncoder().encodeToString(pair.publicKey());
  private final String sk = Base64.getEncoder().encodeToString(pair.secretKey());

  private NodeConfig config(Map<String, String> env, String... args) {
    LauncherCommand.Serve serve = (LauncherCommand.Serve) LauncherArgs.read(args);
    return NodeConfig.load(new JsonObject().put("dataDir", data.toString()), env,
        ContainerConventions.settings(serve, env));
  }

  @Test
  void relayAndEncryptedOnlyAreTheFlagsTheyStandFor() {
    NodeConfig all = config(Map.of("RELAY", "relay.example.com:21117", "ENCRYPTED_ONLY", "1"));
    assertEquals(List.of("relay.example.com:21117"), all.server().relayServers());
    assertEquals("_", all.server().key());
    NodeConfig hbbs = config(Map.of("RELAY", "relay.example.com"), "hbbs");
    assertEquals(List.of("relay.example.com"), hbbs.server().relayServers());
    assertEquals("-", hbbs.server().key(), "ENCRYPTED_ONLY unset: the default key setting");
    // the flags of the container's command still win
    NodeConfig flags = config(Map.of("RELAY", "from-variable", "ENCRYPTED_ONLY", "1"), "hbbs", "-r", "from-flag", "-k", "");
    assertEquals(List.of("from-flag"), flags.server().relayServers());
    assertEquals("", flags.server().key());
    assertEquals(List.of(), config(Map.of("RELAY", "relay.example.com"), "hbbr").server().relayServers(),
        "hbbr has no -r");
    ConfigException bad = assertThrows(ConfigException.class, () -> config(Map.of("ENCRYPTED_ONLY", "yes")));
    assertEquals("config key 'ENCRYPTED_ONLY': expected 0 or 1, got yes", bad.getMessage());
  }

  @Test
  void aPairFromTheVariablesIsValidatedAndWritten() throws Exception {
    ContainerConventions.installKeys(data, Map.of("KEY_PUB", pk, "KEY_PRIV", sk), secrets);
    assertEquals(sk, Files.readString(data.resolve("id_ed25519")));
    assertEquals(pk, Files.readString(data.resolve("id_ed25519.pub")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("id_ed25519"))));
    // the same pair again (every restart of the container): nothing to do
    ContainerConventions.installKeys(data, Map.of("KEY_PUB", pk, "KEY_PRIV", sk), secrets);
    assertEquals(sk, Files.readString(data.resolve("id_ed25519")));
  }

  @Test
  void secretsWinOverVariables() throws Exception {
    Files.writeString(secrets.resolve("key_pub"), pk + "\n");
    Files.writeString(secrets.resolve("key_priv"), sk + "\n");
    Nacl.KeyPair other = Nacl.signKeyPair();
    ContainerConventions.installKeys(data, Map.of("KEY_PUB", Base64.getEncoder().encodeToString(other.publicKey()),
        "KEY_PRIV", Base64.getEncoder().encodeToString(other.secretKey())), secrets);
    assertEquals(sk, Files.readString(data.resolve("id_ed25519")));
  }

  @Test
  void halfAPairOrAWrongPairStopsTheStart() throws Exception {
    ConfigException half = assertThrows(ConfigException.class,
        () -> ContainerConventions.installKeys(data, Map.of("KEY_PUB", pk), secrets));
    assertTrue(half.getMessage().contains("only one half of the key pair is given (variable KEY_PUB)"), half.getMessage());
    Files.writeString(secrets.resolve("key_priv"), sk);
    ConfigException halfSecret = assertThrows(ConfigException.class,
        () -> ContainerConventions.installKeys(data, Map.of(), secrets));
    assertTrue(halfSecret.getMessage().contains("(secret key_priv)"), halfSecret.getMessage());
    String otherPk = Base64.getEncoder().encodeToString(Nacl.signKeyPair().publicKey());
    ConfigException wrong = assertThrows(ConfigException.class,
        () -> ContainerConventions.installKeys(data, Map.of("KEY_PUB", otherPk), secrets));
    assertTrue(wrong.getMessage().contains("is not valid: Key pair is INVALID"), wrong.getMessage());
    ConfigException garbled = assertThrows(ConfigException.class,
        () -> ContainerConventions.installKeys(data, Map.of("KEY_PUB", "not base64!"), secrets));
    assertTrue(garbled.getMessage().contains("Invalid public key"), garbled.getMessage());
    assertFalse(Files.exists(data.resolve("id_ed25519")), "nothing written");
  }

  @Test
  void anotherPairInTheDataDirectoryIsNotOverwritten() throws Exception {
    Nacl.KeyPair existing = Nacl.signKeyPair();
    String existingSk = Base64.getEncoder().encodeToString(existing.secretKey());
    Files.writeString(data.resolve("id_ed25519"), existingSk);
    ConfigException e = assertThrows(ConfigException.class,
        () -> ContainerConventions.installKeys(data, Map.of("KEY_PUB", pk, "KEY_PRIV", sk), secrets));
    assertTrue(e.getMessage().contains("already holds another key pair"), e.getMessage());
    assertEquals(existingSk, Files.readString(data.resolve("id_ed25519")));
  }

  @Test
  void anUnusableDataDirectoryGetsTheOneSettingThatFixesIt() {
    String hint = ContainerConventions.hint(new ConfigException("dataDir", "/data is not writable"));
    assertTrue(hint.contains("sudo chown -R ") && hint.contains("./data") && hint.contains("user: \"0:0\""), hint);
    assertEquals("", ContainerConventions.hint(new ConfigException("port", "bad")));
  }
}
