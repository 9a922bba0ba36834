package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleResponse.Failure;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.rendezvous.RegistrationService.Surface;
import dev.vertdesk.testing.FakeConnection;
import dev.vertdesk.testing.InMemoryNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mustLogin without sockets (docs/protocol.md §5.4.3, §5.4.6): a controlling client's punch and
 * relay requests go on only with a signed-in user's token; a refusal is the text the client shows,
 * and nothing reaches the device.
 */
class MustLoginServiceTest {

  private static final InetSocketAddress B_UDP = new InetSocketAddress("198.51.100.7", 40000);
  private static final String DEVICE = "123456789";

  @TempDir
  Path dir;

  private InMemoryNode node;
  private SignalingService signaling;
  private String key;
  /** Tokens the fake accounts were asked about, in order. */
  private final List<String> asked = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    node = new InMemoryNode(dir, new JsonObject().put("relayServers", "relay.example"));
    key = node.core.keys().validationKey().orElseThrow();
    LoginCheck accounts = token -> {
      asked.add(token);
      return switch (token) {
        case "good" -> Future.succeededFuture(true);
        case "store-down" -> Future.failedFuture(new IllegalStateException("connection refused"));
        default -> Future.succeededFuture(false);
      };
    };
    signaling = new SignalingService(node.vertx, node.core, node.rendezvous, node.registration, Optional.of(accounts));
    node.registration.registerPk(RegisterPk.newBuilder().setId(DEVICE).setUuid(ByteString.copyFromUtf8("u"))
        .setPk(ByteString.copyFrom(new byte[32])).build(), B_UDP, Surface.UDP).await(1, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    node.close();
  }

  private RendezvousMessage punch(String token) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(DEVICE).setLicenceKey(key).setToken(token)).build();
  }

  private static RendezvousMessage relay(String token, String uuid) {
    return RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder()
        .setId(DEVICE).setUuid(uuid).setRelayServer("relay.example").setToken(token)).build();
  }

  private PunchHoleResponse refusedPunch(String token) throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    signaling.handle(a, punch(token));
    PunchHoleResponse r = a.next(UnionCase.PUNCH_HOLE_RESPONSE).getPunchHoleResponse();
    assertTrue(r.getSocketAddr().isEmpty(), "a failure: the client reads other_failure");
    assertEquals("LOGIN_REQUIRED", node.event("punch.requested").getString("outcome"));
    return r;
  }

  @Test
  void aPunchWithoutATokenIsRefusedWithTheTextTheClientShows() throws Exception {
    assertEquals(SignalingService.LOGIN_REQUIRED, refusedPunch("").getOtherFailure());
    assertTrue(asked.isEmpty(), "no token: nothing to look up");
    assertTrue(node.datagrams.isEmpty(), "the device hears nothing");
  }

  @Test
  void aPunchWithAForgedOrExpiredTokenIsRefused() throws Exception {
    assertEquals(SignalingService.LOGIN_INVALID, refusedPunch("forged").getOtherFailure());
    assertEquals(List.of("forged"), asked);
    assertTrue(node.datagrams.isEmpty());
  }

  @Test
  void aPunchIsRefusedWhileTheAccountsCannotBeAsked() throws Exception {
    assertEquals(SignalingService.LOGIN_UNCHECKED, refusedPunch("store-down").getOtherFailure());
    assertTrue(node.datagrams.isEmpty());
  }

  @Test
  void theKeyIsCheckedBeforeTheLogin() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    signaling.handle(a, RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(DEVICE).setLicenceKey("wrong")).build());
    assertEquals(Failure.LICENSE_MISMATCH, a.next(UnionCase.PUNCH_HOLE_RESPONSE).getPunchHoleResponse().getFailure());
  }

  @Test
  void aSignedInUsersPunchReachesTheDevice() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    signaling.handle(a, punch("good"));
    PunchHole ph = RendezvousMessage.parseFrom(node.datagram().payload()).getPunchHole();
    assertEquals("relay.example", ph.getRelayServer());
    assertEquals("punch", node.event("punch.requested").getString("outcome"));
    assertTrue(a.sent.isEmpty(), "A waits for the device's answer");
  }

  @Test
  void aRelayRequestWithoutAValidTokenIsRefusedAndNotBrokered() throws Exception {
    for (String token : new String[] {"", "forged"}) {
      FakeConnection a = FakeConnection.tcp("203.0.113.5", 50002);
      String uuid = "uuid-refused-" + token;
      signaling.handle(a, relay(token, uuid));
      RelayResponse r = a.next(UnionCase.RELAY_RESPONSE).getRelayResponse();
      assertEquals(token.isEmpty() ? SignalingService.LOGIN_REQUIRED : SignalingService.LOGIN_INVALID,
          r.getRefuseReason());
      assertEquals("login-required", node.event("rejected").getString("reason"));
      assertFalse(node.core.brokerage().wasBrokered(uuid).await(1, TimeUnit.SECONDS),
          "the relay will not admit its uuid in brokered-only mode");
    }
    assertTrue(node.datagrams.isEmpty(), "the device hears nothing");
  }

  @Test
  void aSignedInUsersRelayRequestIsForwarded() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50002);
    signaling.handle(a, relay("good", "uuid-ok"));
    RequestRelay toB = RendezvousMessage.parseFrom(node.datagram().payload()).getRequestRelay();
    assertEquals("uuid-ok", toB.getUuid());
    assertTrue(node.core.brokerage().wasBrokered("uuid-ok").await(1, TimeUnit.SECONDS));
  }
}
