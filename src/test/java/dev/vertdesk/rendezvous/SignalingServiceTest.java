package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.OnlineRequest;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse.Failure;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.proto.TestNatRequest;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.rendezvous.RegistrationService.Surface;
import dev.vertdesk.testing.FakeConnection;
import dev.vertdesk.testing.InMemoryNode;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signaling between the controlling side (A) and the device (B) without sockets
 * (docs/protocol.md §5.4.3–§5.4.9): each test drives the service through fake connections.
 */
class SignalingServiceTest {

  private static final InetSocketAddress B_UDP = new InetSocketAddress("198.51.100.7", 40000);

  @TempDir
  Path dir;

  private InMemoryNode node;
  private String key;

  @BeforeEach
  void start() {
    node = new InMemoryNode(dir, new JsonObject().put("relayServers", "relay.example"));
    key = node.core.keys().validationKey().orElseThrow();
  }

  @AfterEach
  void close() throws Exception {
    node.close();
  }

  private void registerOverUdp(String id, InetSocketAddress from) throws Exception {
    node.registration.registerPk(RegisterPk.newBuilder().setId(id).setUuid(ByteString.copyFromUtf8("u-" + id))
        .setPk(ByteString.copyFrom(new byte[32])).build(), from, Surface.UDP).await(1, TimeUnit.SECONDS);
  }

  private RendezvousMessage punchRequest(String id) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(
        PunchHoleRequest.newBuilder().setId(id).setLicenceKey(key)).build();
  }

  @Test
  void anUnknownIdIsAnsweredIdNotExist() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, punchRequest("999999999"));
    RendezvousMessage answer = a.next(UnionCase.PUNCH_HOLE_RESPONSE);
    assertEquals(Failure.ID_NOT_EXIST, answer.getPunchHoleResponse().getFailure());
    assertTrue(answer.getPunchHoleResponse().getSocketAddr().isEmpty(), "a failure carries no address");
    assertFalse(a.closed, "A keeps its connection for B's answer");
  }

  @Test
  void aWrongKeyIsAnsweredLicenseMismatch() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, RendezvousMessage.newBuilder().setPunchHoleRequest(
        PunchHoleRequest.newBuilder().setId("123456789").setLicenceKey("wrong")).build());
    assertEquals(Failure.LICENSE_MISMATCH, a.next(UnionCase.PUNCH_HOLE_RESPONSE).getPunchHoleResponse().getFailure());
  }

  @Test
  void anOnlineDeviceGetsThePunchHoleFromTheUdpSocketWithTheRequestersAddress() throws Exception {
    registerOverUdp("123456789", B_UDP);
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, punchRequest("123456789"));
    DatagramSend toB = node.datagram();
    assertEquals(B_UDP, toB.to());
    PunchHole ph = RendezvousMessage.parseFrom(toB.payload()).getPunchHole();
    assertEquals(a.remote(), AddrMangle.decode(ph.getSocketAddr().toByteArray()));
    assertEquals("relay.example", ph.getRelayServer());
    JsonObject punched = node.event("punch.requested");
    assertEquals("punch", punched.getString("outcome"));
    assertEquals("198.51.100.7", punched.getString("to"));
  }

  @Test
  void aDeviceRegisteredOverItsConnectionIsSignalledThere() throws Exception {
    FakeConnection b = FakeConnection.tcp("198.51.100.9", 40001);
    node.signaling.handle(b, RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId("555666777")
        .setUuid(ByteString.copyFromUtf8("u-b")).setPk(ByteString.copyFrom(new byte[32]))).build());
    assertEquals(30, b.next(UnionCase.REGISTER_PK_RESPONSE).getRegisterPkResponse().getKeepAlive());
    assertSame(b, node.rendezvous.links().get("555666777"));

    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, punchRequest("555666777"));
    b.next(UnionCase.PUNCH_HOLE);
    assertTrue(node.datagrams.isEmpty(), "nothing over UDP for a linked device");

    b.drop();
    assertFalse(node.core.registry().cached("555666777").online(), "offline as soon as its link is gone");
    node.event("peer.offline");
  }

  @Test
  void theDevicesRelayResponseReachesTheRequesterAndEndsTheDevicesConnection() throws Exception {
    registerOverUdp("123456789", B_UDP);
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(a, RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder()
        .setId("123456789").setUuid("relay-uuid-1").setRelayServer("relay.example").setLicenceKey(key)).build());
    RequestRelay toB = RendezvousMessage.parseFrom(node.datagram().payload()).getRequestRelay();
    assertEquals(a.remote(), AddrMangle.decode(toB.getSocketAddr().toByteArray()));
    assertTrue(node.core.brokerage().wasBrokered("relay-uuid-1").await(1, TimeUnit.SECONDS), "recorded before B hears");

    FakeConnection b = FakeConnection.tcp("198.51.100.7", 40002);
    node.signaling.handle(b, RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
        .setSocketAddr(toB.getSocketAddr()).setUuid("relay-uuid-1").setRelayServer("relay.example")
        .setId("123456789").setVersion("1.4.0")).build());
    RelayResponse atA = a.next(UnionCase.RELAY_RESPONSE).getRelayResponse();
    assertEquals("relay-uuid-1", atA.getUuid());
    assertTrue(atA.getSocketAddr().isEmpty(), "B's view of A's address is not passed back");
    assertFalse(atA.getPk().isEmpty(), "the key signed for a versioned client");
    assertTrue(b.closed);
  }

  @Test
  void aConnectionThatKeepsAskingIsClosed() throws Exception {
    FakeConnection a = FakeConnection.tcp("203.0.113.5", 50001);
    for (int i = 0; i < SignalingService.MAX_REQUESTS_PER_CONNECTION; i++) {
      node.signaling.handle(a, punchRequest("999999999"));
    }
    assertFalse(a.closed);
    node.signaling.handle(a, punchRequest("999999999"));
    assertTrue(a.closed);
    assertEquals("too-many-requests", node.event("rejected").getString("reason"));
  }

  @Test
  void onlineQueriesAndNatTestsAreAnsweredThenClosed() throws Exception {
    registerOverUdp("123456789", B_UDP);
    FakeConnection q = FakeConnection.tcp("203.0.113.5", 50001);
    node.signaling.handle(q, RendezvousMessage.newBuilder().setOnlineRequest(OnlineRequest.newBuilder()
        .setId("me").addPeers("999999999").addPeers("123456789")).build());
    assertArrayEquals(new byte[] {0x40}, q.next(UnionCase.ONLINE_RESPONSE).getOnlineResponse().getStates().toByteArray());
    assertTrue(q.closed);

    FakeConnection nat = FakeConnection.tcp("203.0.113.5", 50002);
    node.signaling.handle(nat, RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder()).build());
    assertEquals(50002, nat.next(UnionCase.TEST_NAT_RESPONSE).getTestNatResponse().getPort());
    assertTrue(nat.closed);
  }
}
