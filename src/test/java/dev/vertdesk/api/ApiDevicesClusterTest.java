package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disabling a device on one node of a cluster refuses it on another that runs signaling only
 * (no API, no UDP): that node reads the disabled devices from the shared database when it starts,
 * and follows the admin's changes as they are announced.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiDevicesClusterTest {

  @TempDir
  Path root;

  /** What a punch request for {@code id} through {@code node}'s signaling brings back; null if nothing. */
  static String punchRefusal(TestNode node, String id) throws Exception {
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(id)
          .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build());
      RendezvousMessage m = a.read(1000);
      return m == null ? null : m.getPunchHoleResponse().getOtherFailure();
    }
  }

  @Test
  void aDisabledDeviceIsRefusedByASignalingOnlyNodeFromItsStartAndAsChangesAreAnnounced() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-devices-" + UUID.randomUUID();
    JsonObject conf = new JsonObject()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      ApiClient api = new ApiClient(node1.port("api"));
      String token = Devices.apiToken(node1, "admin", "devices");
      try (UdpDevice b = Devices.register(node1, "430000001")) {
        assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(b.id, b.uuid), ApiClient.rust()).body());
        JsonObject item = api.get("/api/devices?id=" + b.id, ApiClient.bearerOnly(token)).json()
            .getJsonArray("data").getJsonObject(0);
        assertEquals(Boolean.TRUE, item.getValue("is_online"));
        String guid = item.getString("guid");
        assertEquals(200, api.send("POST", "/api/devices/" + guid + "/disable", null, ApiClient.bearerOnly(token)).status());

        Path dir2 = Files.createDirectories(root.resolve("node2"));
        for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
          Files.copy(dir1.resolve(f), dir2.resolve(f));
        }
        JsonObject signalingOnly = conf.copy().put("verticles", new JsonObject()
            .put("udp", new JsonObject().put("enabled", false))
            .put("nat", new JsonObject().put("enabled", false))
            .put("relay", new JsonObject().put("enabled", false))
            .put("ws", new JsonObject().put("enabled", false))
            .put("wsrelay", new JsonObject().put("enabled", false))
            .put("api", new JsonObject().put("enabled", false))
            .put("admin", new JsonObject().put("enabled", false)));
        try (TestNode node2 = TestNode.startClustered(dir2, signalingOnly, cluster, hazelcastPort)) {
          // read at start: refused at once
          assertEquals(SignalingService.DISABLED_TEXT, punchRefusal(node2, b.id));
          try (TcpClient tcpMode = new TcpClient(node2.port("signaling"))) {
            tcpMode.send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder().setId(b.id)
                .setUuid(ByteString.copyFrom(b.uuid)).setPk(ByteString.copyFrom(b.pk))).build());
            RendezvousMessage answer = tcpMode.read();
            assertNotNull(answer);
            assertEquals(Result.NOT_DEPLOYED, answer.getRegisterPkResponse().getResult());
          }

          // enabled on node 1: node 2 lets the punch through to B, which node 1 holds
          assertEquals(200, api.send("POST", "/api/devices/" + guid + "/enable", null, ApiClient.bearerOnly(token)).status());
          assertEquals(Result.OK, b.registerPk());
          Eventually.until(() -> refusal(node2, b.id) == null, 3000, "admitted on node 2");
          assertNotNull(b.receive(UnionCase.FETCH_LOCAL_ADDR), "B hears of A from node 1");

          // disabled again: announced, long before node 2 would read the database again (60 s)
          assertEquals(200, api.send("POST", "/api/devices/" + guid + "/disable", null, ApiClient.bearerOnly(token)).status());
          Eventually.until(() -> SignalingService.DISABLED_TEXT.equals(refusal(node2, b.id)), 3000,
              "refused on node 2 within the announcement");
        }
      }
    }
  }

  private static String refusal(TestNode node, String id) {
    try {
      return punchRefusal(node, id);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
