package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own view joined to the devices' records: a connection record shows the relay it
 * went through (uuid, both ends, bytes, duration) or that it went direct, and a connection the
 * server brokered appears even when the device posts nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAuditServerViewTest {

  @TempDir
  Path dataDir;

  static JsonObject conn(ApiClient api, String token, String device) {
    try {
      JsonArray data = api.get("/api/audits/conn?device=" + device, ApiClient.bearerOnly(token)).json()
          .getJsonArray("data");
      return data.size() == 1 ? data.getJsonObject(0) : null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void requestRelay(TestNode node, TcpClient a, UdpDevice b, String uuid) throws Exception {
    a.send(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder().setId(b.id).setUuid(uuid)
        .setRelayServer("127.0.0.1:" + node.port("relay"))
        .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build());
    assertNotNull(b.receive(UnionCase.REQUEST_RELAY), "the device is asked to the relay");
  }

  /** A relay pair for {@code uuid}: {@code up} bytes from the first end, {@code down} back. */
  static void relay(TestNode node, String uuid, int up, int down, Runnable whileOpen) throws Exception {
    String key = node.core().keys().validationKey().orElseThrow();
    int port = node.port("relay");
    try (RelayClient first = Eventually.parked(node, () -> new RelayClient(port).request(uuid, key));
         RelayClient second = new RelayClient(port).request(uuid, key)) {
      first.write(new byte[up]);
      assertEquals(up, second.read(up, 5000).length);
      second.write(new byte[down]);
      assertEquals(down, first.read(down, 5000).length);
      whileOpen.run();
    }
  }

  @Test
  void aRecordShowsTheRelayItWentThroughWithBytesAndDuration() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      ApiClient api = new ApiClient(node.port("api"));
      String token = Devices.apiToken(node, "admin", "audit");
      String uuid = UUID.randomUUID().toString();
      try (UdpDevice b = Devices.register(node, "590000001");
           TcpClient a = new TcpClient(node.port("signaling"))) {
        requestRelay(node, a, b, uuid);
        AtomicReference<Exception> posted = new AtomicReference<>();
        relay(node, uuid, 1000, 300, () -> {
          // the controlled side posts its record while the session runs, as the client does
          try {
            assertEquals(200, api.send("POST", "/api/audit/conn", ApiAuditPostsTest.withSession(new JsonObject()
                .put("id", b.id).put("uuid", Devices.uuid(b.uuid)).put("conn_id", 1).put("nonce", "n-" + uuid)
                .put("action", "new").put("ip", "127.0.0.1"), ApiAuditPostsTest.MAX_U64), ApiClient.rust()).status());
          } catch (Exception e) {
            posted.set(e);
          }
        });
        if (posted.get() != null) {
          throw posted.get();
        }
      }
      Eventually.until(() -> {
        JsonObject c = conn(api, token, "590000001");
        return c != null && c.getLong("relay_bytes_second_to_first", 0L) == 300;
      }, 10_000, "the record carries the relay session's bytes once it closed");
      JsonObject c = conn(api, token, "590000001");
      assertEquals("relay", c.getString("route"));
      assertEquals(uuid, c.getString("relay_uuid"));
      assertEquals(1000, c.getLong("relay_bytes_first_to_second"));
      assertEquals("127.0.0.1:" + node.port("relay"), c.getString("relay_server"));
      assertTrue(c.getString("relay_first").startsWith("127.0.0.1:"), c.encode());
      assertTrue(c.getLong("relay_duration_ms") >= 0);
      assertEquals("device+server", c.getString("source"));
      assertEquals(ApiAuditPostsTest.MAX_U64, c.getValue("session_id").toString());
    }
  }

  @Test
  void connectionsTheDevicePostsNothingForBecomeRecordsOfTheirOwn() throws Exception {
    JsonObject conf = new JsonObject().put("audit", new JsonObject().put("linkWindowSeconds", 1));
    try (TestNode node = TestNode.start(dataDir, conf)) {
      ApiClient api = new ApiClient(node.port("api"));
      String token = Devices.apiToken(node, "admin", "audit");
      String uuid = UUID.randomUUID().toString();
      try (UdpDevice direct = Devices.register(node, "591000001");
           UdpDevice relayed = Devices.register(node, "592000001")) {
        try (TcpClient a = new TcpClient(node.port("signaling"))) {
          a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder().setId(direct.id)
              .setLicenceKey(node.core().keys().validationKey().orElseThrow())).build());
          assertNotNull(direct.receive(), "the device is signalled");
        }
        try (TcpClient a = new TcpClient(node.port("signaling"))) {
          requestRelay(node, a, relayed, uuid);
          relay(node, uuid, 64, 32, () -> { });
        }
      }
      Eventually.until(() -> conn(api, token, "591000001") != null && conn(api, token, "592000001") != null
          && conn(api, token, "592000001").getLong("relay_bytes_first_to_second", 0L) == 64, 15_000,
          "both connections listed");
      JsonObject d = conn(api, token, "591000001");
      assertEquals("server", d.getString("source"));
      assertTrue(d.getString("route").equals("direct") || d.getString("route").equals("local"), d.encode());
      assertEquals("127.0.0.1", d.getString("ip"), "the requester's address");
      JsonObject r = conn(api, token, "592000001");
      assertEquals("server", r.getString("source"));
      assertEquals("relay", r.getString("route"));
      assertEquals(uuid, r.getString("relay_uuid"));
      assertEquals(32, r.getLong("relay_bytes_second_to_first"));
    }
  }
}
