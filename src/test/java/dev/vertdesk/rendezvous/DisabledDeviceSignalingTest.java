package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleResponse.Failure;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.rendezvous.RegistrationService.Surface;
import dev.vertdesk.testing.FakeConnection;
import dev.vertdesk.testing.InMemoryNode;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device an admin disabled, without sockets: its registration is answered NOT_DEPLOYED (it
 * stays unregistered under its own ID), its heartbeats do not keep it online, it cannot move to
 * another ID, and whoever asks for it is shown why, over a punch or a relay request.
 */
class DisabledDeviceSignalingTest {

  private static final InetSocketAddress B_UDP = new InetSocketAddress("198.51.100.7", 40000);
  private static final String B = "123456789";

  @TempDir
  Path dir;

  private InMemoryNode node;
  private String key;

  @BeforeEach
  void start() {
    node = new InMemoryNode(dir, new JsonObject());
    key = node.core.keys().validationKey().orElseThrow();
  }

  @AfterEach
  void close() throws Exception {
    node.close();
  }

  private static RegisterPk registerPk(String id) {
    return RegisterPk.newBuilder().setId(id).setUuid(ByteString.copyFromUtf8("u-" + id))
        .setPk(ByteString.copyFrom(new byte[32])).build();
  }

  private Result registerOverUdp(String id) throws Exception {
    return node.registration.registerPk(registerPk(id), B_UDP, Surface.UDP).await(1, TimeUnit.SECONDS)
        .answer().getRegisterPkResponse().getResult();
  }

  @Test
  void registrationIsRefusedNotDeployedUntilEnabledAgain() throws Exception {
    assertEquals(Result.OK, registerOverUdp(B));
    node.rendezvous.disabled().disable(B);

    assertEquals(Result.NOT_DEPLOYED, registerOverUdp(B), "not UUID_MISMATCH, which would renumber the device");
    JsonObject rejected = node.event("rejected");
    assertEquals("disabled", rejected.getString("reason"));
    List<RendezvousMessage> heartbeat = node.registration.registerPeer(
        RegisterPeer.newBuilder().setId(B).setSerial(3).build(), B_UDP).await(1, TimeUnit.SECONDS);
    assertTrue(heartbeat.get(0).getRegisterPeerResponse().getRequestPk(), "asked for the key, whose registration is refused");

    node.rendezvous.disabled().enable(B);
    assertEquals(Result.OK, registerOverUdp(B));
  }

  @Test
  void aDisabledDeviceKeepsItsIdAndNobodyTakesIt() throws Exception {
    assertEquals(Result.OK, registerOverUdp(B));
    node.rendezvous.disabled().disable(B);
    FakeConnection c = FakeConnection.tcp("198.51.100.7", 40001);
    node.signaling.handle(c, RendezvousMessage.newBuilder().setRegisterPk(registerPk("newname1").toBuilder()
        .setOldId(B).setUuid(ByteString.copyFromUtf8("u-" + B))).build());
    assertEquals(Result.NOT_SUPPORT, c.next(UnionCase.REGISTER_PK_RESPONSE).getRegisterPkResponse().getResult());

    assertEquals(Result.OK, registerOverUdp("987654321"));
    FakeConnection other = FakeConnection.tcp("198.51.100.8", 40002);
    node.signaling.handle(other, RendezvousMessage.newBuilder().setRegisterPk(registerPk(B).toBuilder()
        .setOldId("987654321").setUuid(ByteString.copyFromUtf8("u-987654321"))).build());
    assertEquals(Result.ID_EXISTS, other.next(UnionCase.REGISTER_PK_RESPONSE).getRegisterPkResponse().getResult());
  }

  @Test
  void aPunchForADisabledDeviceIsAnsweredWithTheReason() throws Exception {
    assertEquals(Result.OK, registerOverUdp(B));
    node.rendezvous.disabled().disable(B);
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, RendezvousMessage.newBuilder().setPunchHoleRequest(
        PunchHoleRequest.newBuilder().setId(B).setLicenceKey(key)).build());
    PunchHoleResponse ph = a.next(UnionCase.PUNCH_HOLE_RESPONSE).getPunchHoleResponse();
    assertTrue(ph.getSocketAddr().isEmpty(), "a failure");
    assertEquals(SignalingService.DISABLED_TEXT, ph.getOtherFailure(), "what the client shows");
    assertEquals(Failure.OFFLINE, ph.getFailure(), "what older clients show");
    assertTrue(node.datagrams.isEmpty(), "the device hears nothing");
    assertEquals("disabled", node.event("punch.requested").getString("outcome"));
  }

  @Test
  void aRelayRequestForADisabledDeviceIsRefusedWithTheReason() throws Exception {
    assertEquals(Result.OK, registerOverUdp(B));
    node.rendezvous.disabled().disable(B);
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder()
        .setId(B).setUuid("relay-uuid-2").setRelayServer("relay.example").setLicenceKey(key)).build());
    RelayResponse rr = a.next(UnionCase.RELAY_RESPONSE).getRelayResponse();
    assertEquals(SignalingService.DISABLED_TEXT, rr.getRefuseReason());
    assertTrue(node.datagrams.isEmpty(), "the device hears nothing");
    assertFalse(node.core.brokerage().wasBrokered("relay-uuid-2").await(1, TimeUnit.SECONDS), "nothing brokered");
  }

  @Test
  void aDeviceLinkedOverItsConnectionLosesTheLinkWhenDisabled() throws Exception {
    FakeConnection b = FakeConnection.tcp("198.51.100.9", 40001);
    node.signaling.handle(b, RendezvousMessage.newBuilder().setRegisterPk(registerPk("555666777")).build());
    assertEquals(Result.OK, b.next(UnionCase.REGISTER_PK_RESPONSE).getRegisterPkResponse().getResult());
    node.rendezvous.disabled().disable("555666777");
    assertTrue(b.closed, "the link is closed");

    FakeConnection again = FakeConnection.tcp("198.51.100.9", 40002);
    node.signaling.handle(again, RendezvousMessage.newBuilder().setRegisterPk(registerPk("555666777")).build());
    assertEquals(Result.NOT_DEPLOYED, again.next(UnionCase.REGISTER_PK_RESPONSE).getRegisterPkResponse().getResult());
    assertNotSame(again, node.rendezvous.links().get("555666777"), "not linked");
  }
}
