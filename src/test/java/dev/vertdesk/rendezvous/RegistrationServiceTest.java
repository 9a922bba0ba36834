package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.ConfigUpdate;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.SoftwareUpdate;
import dev.vertdesk.rendezvous.RegistrationService.Registration;
import dev.vertdesk.rendezvous.RegistrationService.Surface;
import dev.vertdesk.testing.FakeConnection;
import dev.vertdesk.testing.InMemoryNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration logic without sockets (docs/protocol.md §5.4.1, §5.4.2, §5.4.10, §5.4.11, §6.5). */
class RegistrationServiceTest {

  private static final InetSocketAddress DEVICE = new InetSocketAddress("198.51.100.7", 40000);

  @TempDir
  Path dir;

  private InMemoryNode node;

  private InMemoryNode node(JsonObject conf) {
    node = new InMemoryNode(dir, conf);
    return node;
  }

  @AfterEach
  void close() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(1, TimeUnit.SECONDS);
  }

  private static RegisterPk pk(String id, String uuid) {
    return RegisterPk.newBuilder().setId(id).setUuid(ByteString.copyFromUtf8(uuid))
        .setPk(ByteString.copyFrom(new byte[32])).build();
  }

  private static Result result(RendezvousMessage m) {
    return m.getRegisterPkResponse().getResult();
  }

  @Test
  void anUnknownDeviceIsAskedForItsKeyThenRegistersAndComesOnline() throws Exception {
    InMemoryNode n = node(new JsonObject());
    List<RendezvousMessage> first = await(n.registration.registerPeer(RegisterPeer.newBuilder().setId("123456789").build(), DEVICE));
    assertEquals(1, first.size());
    assertTrue(first.get(0).getRegisterPeerResponse().getRequestPk());

    Registration r = await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.UDP));
    assertTrue(r.accepted());
    assertEquals(Result.OK, result(r.answer()));
    assertEquals(0, r.answer().getRegisterPkResponse().getKeepAlive(), "no keep_alive over UDP");
    assertTrue(n.store.rows.containsKey("123456789"), "OK only once the row is stored");
    JsonObject registered = n.event("peer.registered");
    assertEquals(true, registered.getBoolean("created"));
    assertEquals("198.51.100.7", registered.getString("ip"));
    n.event("peer.online");

    List<RendezvousMessage> again = await(n.registration.registerPeer(RegisterPeer.newBuilder().setId("123456789").build(), DEVICE));
    assertFalse(again.get(0).getRegisterPeerResponse().getRequestPk());
  }

  @Test
  void overAConnectionTheOkCarriesKeepAlive() throws Exception {
    InMemoryNode n = node(new JsonObject().put("keepAliveSeconds", 45));
    Registration r = await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.TCP));
    assertEquals(45, r.answer().getRegisterPkResponse().getKeepAlive());
  }

  @Test
  void anotherMachineClaimingTheIdIsToldToRenumber() throws Exception {
    InMemoryNode n = node(new JsonObject());
    await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.UDP));
    Registration other = await(n.registration.registerPk(pk("123456789", "u2"), DEVICE, Surface.WEBSOCKET));
    assertFalse(other.accepted());
    assertEquals(Result.UUID_MISMATCH, result(other.answer()));
    JsonObject rejected = n.event("rejected");
    assertEquals("websocket", rejected.getString("surface"));
    assertEquals("uuid-mismatch", rejected.getString("reason"));
  }

  @Test
  void aFailedWriteIsAnsweredServerErrorNeverOk() throws Exception {
    InMemoryNode n = node(new JsonObject());
    n.store.failWrites = true;
    Registration r = await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.UDP));
    assertFalse(r.accepted());
    assertEquals(Result.SERVER_ERROR, result(r.answer()));
  }

  @Test
  void anEmptyUuidIsIgnoredSilently() throws Exception {
    InMemoryNode n = node(new JsonObject());
    Registration r = await(n.registration.registerPk(pk("123456789", ""), DEVICE, Surface.UDP));
    assertNull(r.answer());
    assertFalse(r.accepted());
  }

  @Test
  void aDeviceBehindTheSerialGetsTheConfigUpdate() throws Exception {
    InMemoryNode n = node(new JsonObject().put("serial", 5).put("rendezvousServers", "id1.example,id2.example"));
    await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.UDP));
    List<RendezvousMessage> answers = await(n.registration.registerPeer(
        RegisterPeer.newBuilder().setId("123456789").setSerial(4).build(), DEVICE));
    assertEquals(2, answers.size());
    ConfigUpdate cu = answers.get(1).getConfigureUpdate();
    assertEquals(5, cu.getSerial());
    assertEquals(List.of("id1.example", "id2.example"), cu.getRendezvousServersList());
    assertEquals(1, await(n.registration.registerPeer(
        RegisterPeer.newBuilder().setId("123456789").setSerial(5).build(), DEVICE)).size(), "up to date");
  }

  @Test
  void aConfigUpdateCountsFromLoopbackOnlyAndReachesLinkedDevices() throws Exception {
    InMemoryNode n = node(new JsonObject());
    FakeConnection linked = FakeConnection.tcp("198.51.100.8", 50000);
    n.rendezvous.links().attach("987654321", linked);
    ConfigUpdate cu = ConfigUpdate.newBuilder().setSerial(3).addRendezvousServers("id.example").build();

    n.registration.configUpdate(cu, new InetSocketAddress("203.0.113.1", 1000));
    assertTrue(n.rendezvous.configUpdates().newerThan(0).isEmpty(), "not from outside");
    assertEquals("config-update-not-loopback", n.event("rejected").getString("reason"));

    n.registration.configUpdate(cu, new InetSocketAddress("127.0.0.1", 1000));
    assertEquals(3, n.rendezvous.configUpdates().newerThan(0).orElseThrow().getSerial());
    assertEquals(3, linked.next(UnionCase.CONFIGURE_UPDATE).getConfigureUpdate().getSerial());
  }

  @Test
  void legacyClientsAreOfferedTheSoftwareUrlWhenTheirVersionDiffers() {
    InMemoryNode n = node(new JsonObject().put("softwareUrl", "https://dl.example/rustdesk-1.2.3.exe"));
    assertTrue(n.registration.softwareUpdate(SoftwareUpdate.newBuilder().setUrl("1.2.3").build()).isEmpty());
    RendezvousMessage offer = n.registration.softwareUpdate(SoftwareUpdate.newBuilder().setUrl("1.2.2").build())
        .orElseThrow();
    assertEquals("https://dl.example/rustdesk-1.2.3.exe", offer.getSoftwareUpdate().getUrl());
  }

  @Test
  void anIdChangeNeedsTheOwnersUuidAndCanBeSwitchedOff() throws Exception {
    InMemoryNode n = node(new JsonObject());
    await(n.registration.registerPk(pk("123456789", "u1"), DEVICE, Surface.UDP));
    RegisterPk change = RegisterPk.newBuilder().setOldId("123456789").setId("office-pc").setUuid(ByteString.copyFromUtf8("u1")).build();
    RegisterPk stranger = change.toBuilder().setUuid(ByteString.copyFromUtf8("u9")).build();
    assertEquals(Result.UUID_MISMATCH, result(await(n.registration.changeId(stranger, DEVICE, Surface.TCP))));
    assertEquals(Result.OK, result(await(n.registration.changeId(change, DEVICE, Surface.TCP))));
    assertEquals("office-pc", n.event("peer.id-changed").getString("id"));
    assertTrue(n.store.rows.containsKey("office-pc"));
  }

  @Test
  void idChangesSwitchedOffAnswerNotSupport() throws Exception {
    InMemoryNode n = node(new JsonObject().put("allowIdChange", false));
    RegisterPk change = RegisterPk.newBuilder().setOldId("123456789").setId("office-pc").setUuid(ByteString.copyFromUtf8("u1")).build();
    assertEquals(Result.NOT_SUPPORT, result(await(n.registration.changeId(change, DEVICE, Surface.TCP))));
  }
}
