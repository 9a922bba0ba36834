package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code devices.requireDeployment}, only devices deployed through {@code POST
 * /api/devices/deploy} register; the others are answered NOT_DEPLOYED, with which the client shows
 * itself unregistered and asks again every 30 s under the same ID (docs/protocol.md §14).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiRequireDeploymentTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static final List<JsonObject> rejected = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("devices", new JsonObject().put("requireDeployment", true)));
    api = new ApiClient(node.port("api"));
    node.vertx.eventBus().<JsonObject>consumer(Addresses.REJECTED, m -> rejected.add(m.body()));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void anUndeployedDeviceIsAnsweredNotDeployedAndRegistersOnceDeployed() throws Exception {
    byte[] uid = Devices.machineUid("480000001");
    byte[] pk = Nacl.signKeyPair().publicKey();
    try (UdpDevice d = new UdpDevice("480000001", uid, pk, node.port("udp"))) {
      assertEquals(Result.NOT_DEPLOYED, d.registerPk());
      assertEquals(Boolean.TRUE, d.heartbeat(), "its heartbeats are asked for the key, which is refused");
      Eventually.until(() -> rejected.stream().anyMatch(e -> "480000001".equals(e.getString("id"))
          && "not-deployed".equals(e.getString("reason"))), 3000, "the refusal is published");

      String token = Devices.apiToken(node, "admin", "devices");
      JsonObject deployed = api.post("/api/devices/deploy", ApiDeployTest.deployBody(d.id, uid, pk),
          ApiClient.rust(token)).json();
      assertEquals("OK", deployed.getString("result"), deployed.encode());
      assertEquals(Result.OK, d.registerPk(), "admitted at once: the deployment is announced");
      assertEquals(Boolean.FALSE, d.heartbeat());
    }
    try (UdpDevice other = new UdpDevice("480000002", Devices.machineUid("480000002"),
        Nacl.signKeyPair().publicKey(), node.port("udp"))) {
      assertEquals(Result.NOT_DEPLOYED, other.registerPk(), "deploying one device admits no other");
    }
  }

  @Test
  void theDeployedDevicesAreReadAtStart() throws Exception {
    byte[] uid = Devices.machineUid("480000003");
    byte[] pk = Nacl.signKeyPair().publicKey();
    String token = Devices.apiToken(node, "admin", "devices");
    assertEquals("OK", api.post("/api/devices/deploy", ApiDeployTest.deployBody("480000003", uid, pk),
        ApiClient.rust(token)).json().getString("result"));
    node.close();
    node = TestNode.start(dataDir, new JsonObject().put("devices", new JsonObject().put("requireDeployment", true)));
    api = new ApiClient(node.port("api"));
    try (UdpDevice d = new UdpDevice("480000003", uid, pk, node.port("udp"))) {
      assertEquals(Result.OK, d.registerPk());
    }
    assertTrue(node.rendezvous().deployed().required());
  }
}
