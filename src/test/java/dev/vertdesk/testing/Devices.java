package dev.vertdesk.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.api.ApiContext;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Devices as the API sees them: a device registered over UDP with a machine uid and a real key,
 * the bodies its heartbeat and sysinfo calls send (rustdesk/rustdesk: src/hbbs_http/sync.rs), and
 * the tokens of admins, users and API tokens.
 */
public final class Devices {

  private Devices() {
  }

  /** A Linux machine uid: the 32 hex characters of /etc/machine-id, derived from the ID. */
  public static byte[] machineUid(String id) {
    byte[] b = new byte[16];
    byte[] src = id.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (src[i % src.length] * 31 + i);
    }
    return HexFormat.of().formatHex(b).getBytes(StandardCharsets.US_ASCII);
  }

  /** Registers {@code id} over UDP with a fresh key pair; the device stays open for more. */
  public static UdpDevice register(TestNode node, String id) throws Exception {
    UdpDevice d = new UdpDevice(id, machineUid(id), Nacl.signKeyPair().publicKey(), node.port("udp"));
    assertEquals(RegisterPkResponse.Result.OK, d.registerPk(), "registered " + id);
    return d;
  }

  /** The uuid as the API carries it: standard base64 of the machine uid bytes. */
  public static String uuid(byte[] machineUid) {
    return Base64.getEncoder().encodeToString(machineUid);
  }

  /** A heartbeat body: {@code {id, uuid, ver, modified_at}} (conns are added when there are some). */
  public static JsonObject heartbeat(String id, byte[] machineUid) {
    return new JsonObject().put("id", id).put("uuid", uuid(machineUid)).put("ver", 1004090).put("modified_at", 0);
  }

  /** A desktop client's sysinfo body. */
  public static JsonObject sysinfo(String id, byte[] machineUid) {
    return new JsonObject()
        .put("cpu", "AMD EPYC 7B13, 2.45GHz, 2/2 cores")
        .put("memory", "23.43GB")
        .put("os", "linux / Debian GNU/Linux 12")
        .put("hostname", "host-" + id)
        .put("username", "alice")
        .put("version", "1.4.9")
        .put("id", id)
        .put("uuid", uuid(machineUid));
  }

  public static ApiContext api(TestNode node) {
    return node.main.api().orElseThrow();
  }

  /** A session of an existing user, as a login would give. */
  public static String session(TestNode node, String user) throws Exception {
    return token(node, user, Principal.SESSION, "");
  }

  /** An API token of {@code user} with these comma-separated scopes. */
  public static String apiToken(TestNode node, String user, String scopes) throws Exception {
    return token(node, user, Principal.API, scopes);
  }

  private static String token(TestNode node, String user, String kind, String scopes) throws Exception {
    ApiContext api = api(node);
    String guid = api.accounts().users().byName(user).await(10, TimeUnit.SECONDS).guid();
    return new TokenStore(api.db()).issue(kind, guid, "test", scopes, null,
        System.currentTimeMillis() + TimeUnit.DAYS.toMillis(1)).await(10, TimeUnit.SECONDS);
  }

  /** Creates a user who is not an admin. */
  public static void user(TestNode node, String name) throws Exception {
    api(node).accounts().users().create(name, null, false, "", "").await(10, TimeUnit.SECONDS);
  }
}
