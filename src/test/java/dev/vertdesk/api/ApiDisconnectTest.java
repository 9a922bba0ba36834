package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin ends a device's live sessions: its next heartbeat carries the connection ids in
 * {@code disconnect}, which the client closes (rustdesk/rustdesk: src/hbbs_http/sync.rs,
 * src/server/connection.rs), and ending them all also closes the device's relayed sessions at the
 * relay at once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiDisconnectTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
    admin = Devices.apiToken(node, "admin", "devices");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static JsonObject heartbeat(UdpDevice d, int... conns) throws Exception {
    JsonObject body = Devices.heartbeat(d.id, d.uuid);
    if (conns.length > 0) {
      JsonArray a = new JsonArray();
      for (int c : conns) {
        a.add(c);
      }
      body.put("conns", a);
    }
    Answer a = api.post("/api/heartbeat", body, ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    return a.json();
  }

  static int[] disconnect(JsonObject answer) {
    JsonArray a = answer.getJsonArray("disconnect");
    return a == null ? null : a.stream().mapToInt(o -> (Integer) o).toArray();
  }

  static String guid(String id) throws Exception {
    return api.get("/api/devices?id=" + id, ApiClient.bearerOnly(admin)).json().getJsonArray("data").getJsonObject(0)
        .getString("guid");
  }

  static Answer end(String guid, String body) throws Exception {
    return api.send("POST", "/api/devices/" + guid + "/disconnect", body, ApiClient.bearerOnly(admin));
  }

  @Test
  void theNextHeartbeatCarriesTheConnectionsToEndOnce() throws Exception {
    try (UdpDevice d = Devices.register(node, "450000001")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      String guid = guid(d.id);
      assertNull(disconnect(heartbeat(d, 5, 6)));

      assertEquals("", end(guid, "{\"conns\": [6]}").body());
      assertArrayEquals(new int[] {6}, disconnect(heartbeat(d, 5, 6)));
      assertNull(disconnect(heartbeat(d, 5)), "told once");

      Answer all = end(guid, null);
      assertEquals(200, all.status(), all.body());
      assertEquals("", all.body());
      assertArrayEquals(new int[] {5, 7}, disconnect(heartbeat(d, 5, 7)), "all it reports");
      assertNull(disconnect(heartbeat(d, 5, 7)));
    }
  }

  @Test
  void endingEverySessionClosesTheDevicesRelayedSessionAtTheRelay() throws Exception {
    String key = node.core().keys().validationKey().orElseThrow();
    try (UdpDevice b = Devices.register(node, "450000002");
         TcpClient a = new TcpClient(node.port("signaling"))) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(b.id, b.uuid), ApiClient.rust()).body());
      String uuid = "relay-of-" + b.id;
      a.send(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder().setId(b.id).setUuid(uuid)
          .setLicenceKey(key).setRelayServer("127.0.0.1")).build());
      assertNotNull(b.receive(UnionCase.REQUEST_RELAY), "B is asked to relay: the uuid is brokered for B");
      try (RelayClient first = new RelayClient(node.port("relay")).request(uuid, key);
           RelayClient second = new RelayClient(node.port("relay")).request(uuid, key);
           RelayClient other1 = new RelayClient(node.port("relay")).request("someone-else", key);
           RelayClient other2 = new RelayClient(node.port("relay")).request("someone-else", key)) {
        first.write("hello".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), second.read(5, 3000), "paired");
        other1.write("x".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("x".getBytes(StandardCharsets.US_ASCII), other2.read(1, 3000), "another pair");
        assertEquals(2, node.relay().sessions().size());

        assertEquals(200, end(guid(b.id), "{}").status());
        assertTrue(first.awaitClose(3000) >= 0, "closed at the relay at once");
        assertTrue(second.awaitClose(3000) >= 0);
        Eventually.until(() -> node.relay().sessions().size() == 1, 3000, "one session left");
        other1.write("y".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("y".getBytes(StandardCharsets.US_ASCII), other2.read(1, 3000), "another device's session goes on");
      }
    }
  }

  @Test
  void badRequestsAreRefused() throws Exception {
    try (UdpDevice d = Devices.register(node, "450000003")) {
      assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(d.id, d.uuid), ApiClient.rust()).body());
      String guid = guid(d.id);
      for (String body : new String[] {"{\"conns\": []}", "{\"conns\": \"all\"}", "{\"conns\": [1.5]}",
          "{\"conns\": [4294967296]}", "[1]", "{", "{\"conns\": [" + "1,".repeat(2000) + "1]}"}) {
        Answer a = end(guid, body);
        assertEquals(400, a.status(), body + ": " + a.body());
        assertNotNull(a.error());
      }
      assertEquals(404, end("no-such-device", "{}").status());
      assertEquals(404, end("%27%20or%201%3D1", "{}").status());
      Devices.user(node, "not-an-admin");
      assertEquals(403, api.send("POST", "/api/devices/" + guid + "/disconnect", "{}",
          ApiClient.bearerOnly(Devices.session(node, "not-an-admin"))).status());
      assertEquals(401, api.send("POST", "/api/devices/" + guid + "/disconnect", "{}",
          ApiClient.bearerOnly("forged")).status());
      assertNull(disconnect(heartbeat(d, 1)), "nothing was ended");
    }
  }
}
