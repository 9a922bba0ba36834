package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.User;
import dev.vertdesk.api.ApiContext;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.SecureClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import dev.vertdesk.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mustLogin over the wire, as the client meets it (docs/protocol.md §5.4.3, §5.4.6): a logged-in
 * controller runs the secure-TCP handshake, then sends its token with the PunchHoleRequest or
 * RequestRelay; without a good one it is refused with the text it shows, and the device hears
 * nothing. In a cluster a node without the API checks tokens against the shared accounts, and a
 * logout on one node is refused on the other at once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MustLoginTest {

  private static final String DEVICE = "707070707";

  @TempDir
  Path root;

  private static JsonObject mustLogin() {
    return new JsonObject().put("mustLogin", true);
  }

  private static String key(TestNode node) {
    return node.core().keys().validationKey().orElseThrow();
  }

  private static String login(TestNode apiNode) throws Exception {
    String password = Files.readString(apiNode.dataDir.resolve("admin-password.txt")).trim();
    ApiClient.Answer a = new ApiClient(apiNode.port("api")).post("/api/login", ApiClient.login("admin", password),
        ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    return a.json().getString("access_token");
  }

  private static RendezvousMessage punch(String key, String token) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(DEVICE)
        .setNatType(NatType.ASYMMETRIC).setLicenceKey(key).setToken(token).setVersion("1.4.2")).build();
  }

  /** A punch as a logged-in controller makes it: over a secured connection; its answer, if any. */
  private static RendezvousMessage securePunch(TestNode node, String token, int timeoutMillis) throws Exception {
    try (SecureClient a = new SecureClient(node.port("signaling"), "127.0.0.3", key(node))) {
      a.send(punch(key(node), token));
      return a.read(timeoutMillis);
    }
  }

  private static String refusal(TestNode node, String token) throws Exception {
    RendezvousMessage m = securePunch(node, token, 10_000);
    assertNotNull(m, "a refusal is answered");
    PunchHoleResponse r = m.getPunchHoleResponse();
    assertTrue(r.getSocketAddr().isEmpty(), "a failure: the client shows other_failure");
    return r.getOtherFailure();
  }

  private static UdpDevice device(TestNode node) throws Exception {
    UdpDevice b = new UdpDevice(DEVICE, "u-707".getBytes(), Nacl.signKeyPair().publicKey(), node.port("udp"),
        "127.0.0.2");
    assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    return b;
  }

  /** An allowed punch reaches the device, which is signalled with this controller's address. */
  private static void punchReachesDevice(TestNode node, String token, UdpDevice b) throws Exception {
    try (SecureClient a = new SecureClient(node.port("signaling"), "127.0.0.3", key(node))) {
      a.send(punch(key(node), token));
      // the first datagram the device gets: the refused requests before this one sent nothing
      RendezvousMessage toB = b.receive();
      assertNotNull(toB, "the device is signalled");
      assertEquals(UnionCase.PUNCH_HOLE, toB.getUnionCase());
      assertEquals(a.tcp.localPort(),
          AddrMangle.decode(toB.getPunchHole().getSocketAddr().toByteArray()).getPort());
    }
  }

  @Test
  void punchAndRelayNeedASignedInUser() throws Exception {
    try (TestNode node = TestNode.start(root, mustLogin()); UdpDevice b = device(node)) {
      String token = login(node);
      ApiContext api = node.main.api().orElseThrow();
      User admin = api.accounts().users().byName("admin").await(5, TimeUnit.SECONDS);
      String expired = new TokenStore(api.db()).issue(Principal.SESSION, admin.guid(), "", "", null,
          System.currentTimeMillis() - 1000).await(5, TimeUnit.SECONDS);

      assertEquals(SignalingService.LOGIN_REQUIRED, refusal(node, ""));
      assertEquals(SignalingService.LOGIN_INVALID, refusal(node, "forged-" + token));
      assertEquals(SignalingService.LOGIN_INVALID, refusal(node, expired));
      punchReachesDevice(node, token, b);

      try (SecureClient a = new SecureClient(node.port("signaling"), "127.0.0.3", key(node))) {
        a.send(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder().setId(DEVICE)
            .setUuid("uuid-no-login").setRelayServer("relay.example")).build());
        assertEquals(SignalingService.LOGIN_REQUIRED, a.read().getRelayResponse().getRefuseReason());
        a.send(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder().setId(DEVICE)
            .setUuid("uuid-login").setRelayServer("relay.example").setToken(token)).build());
        assertEquals("uuid-login", b.receive().getRequestRelay().getUuid(),
            "the refused request never reached the device, the allowed one did");
      }

      // the web client sends its token over WebSocket, without the handshake
      try (WsClient ws = new WsClient(node.vertx, node.port("ws"))) {
        ws.send(punch(key(node), ""));
        assertEquals(SignalingService.LOGIN_REQUIRED, ws.read().getPunchHoleResponse().getOtherFailure());
        ws.send(punch(key(node), token));
        assertEquals(UnionCase.PUNCH_HOLE, b.receive().getUnionCase(), "the refused one sent nothing");
      }
    }
  }

  @Test
  void aNodeWithoutTheApiChecksTokensAgainstTheSharedAccounts() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-login-" + UUID.randomUUID();
    JsonObject conf = mustLogin()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      Path dir2 = Files.createDirectories(root.resolve("node2"));
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      JsonObject signalingOnly = conf.copy().put("verticles", new JsonObject()
          .put("api", new JsonObject().put("enabled", false)));
      try (TestNode node2 = TestNode.startClustered(dir2, signalingOnly, cluster, hazelcastPort);
           UdpDevice b = device(node1)) {
        assertTrue(node2.main.api().isEmpty(), "node 2 does not serve the API");
        String token = login(node1);
        assertEquals(SignalingService.LOGIN_REQUIRED, refusal(node2, ""));
        assertEquals(SignalingService.LOGIN_INVALID, refusal(node2, "forged"));
        // node 2 signals the device through node 1, which holds it
        punchReachesDevice(node2, token, b);

        assertEquals(200, new ApiClient(node1.port("api")).post("/api/logout", new JsonObject(),
            ApiClient.rust(token)).status());
        // node 2 had the token cached: the logout reaches it over the event bus, in a moment
        // (until then a punch still goes through, and A hears nothing from the silent device)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String text;
        do {
          RendezvousMessage answer = securePunch(node2, token, 500);
          text = answer == null ? null : answer.getPunchHoleResponse().getOtherFailure();
        } while (!SignalingService.LOGIN_INVALID.equals(text) && System.nanoTime() < end);
        assertEquals(SignalingService.LOGIN_INVALID, text, "logged out everywhere");
      }
    }
  }

  @Test
  void withoutMustLoginNoTokenIsAsked() throws Exception {
    try (TestNode node = TestNode.start(root, new JsonObject()); UdpDevice b = device(node)) {
      punchReachesDevice(node, "", b);
    }
  }

  @Test
  void aBadValueStopsTheStartNamingTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeConfig.load(new JsonObject().put("mustLogin", "maybe"), Map.of()));
    assertTrue(e.getMessage().contains("'mustLogin'"), e.getMessage());
    ConfigException env = assertThrows(ConfigException.class,
        () -> NodeConfig.load(new JsonObject(), Map.of("MUST_LOGIN", "sometimes")));
    assertTrue(env.getMessage().contains("mustLogin"), env.getMessage());
  }

  @Test
  void mustLoginIsReadUnderLejianwensName() throws Exception {
    try (TestNode node = TestNode.start(root, new JsonObject(), Map.of("MUST_LOGIN", "Y"))) {
      assertTrue(node.core().config().server().mustLogin());
      assertEquals(SignalingService.LOGIN_REQUIRED, refusal(node, ""));
    }
  }
}
