package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.HttpProxyResponse;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.SecureClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tunnel across a cluster (docs/protocol.md §5.4.13): a client on a node that only signals
 * reaches the API served by another node, with the answers HTTP gives there and its own address.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiTunnelClusterTest {

  @TempDir
  Path root;

  @Test
  void aSignalingNodeTunnelsToTheNodeThatServesTheApi() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-tunnel-" + UUID.randomUUID();
    JsonObject db = new JsonObject().put("db", new JsonObject()
        .put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("api"));
    JsonObject apiOnly = db.copy().put("verticles", new JsonObject()
        .put("signaling", new JsonObject().put("enabled", false)));
    try (TestNode apiNode = TestNode.startClustered(dir1, apiOnly, cluster, hazelcastPort)) {
      Path dir2 = Files.createDirectories(root.resolve("signaling"));
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      JsonObject signalingOnly = db.copy().put("verticles", new JsonObject()
          .put("api", new JsonObject().put("enabled", false)));
      try (TestNode signalingNode = TestNode.startClustered(dir2, signalingOnly, cluster, hazelcastPort)) {
        String key = signalingNode.core().keys().validationKey().orElseThrow();
        String password = Files.readString(dir1.resolve("admin-password.txt")).trim();
        String login = ApiClient.login("admin", password).encode();
        HttpProxyResponse loggedIn;
        try (SecureClient c = new SecureClient(signalingNode.port("signaling"), "127.0.0.3", key)) {
          c.send(ApiTunnelTest.request("POST", "/api/login", ApiClient.rust(), login));
          loggedIn = c.read(10_000).getHttpProxyResponse();
        }
        assertEquals("", loggedIn.getError());
        assertEquals(200, loggedIn.getStatus(), loggedIn.getBody().toStringUtf8());
        String token = new JsonObject(loggedIn.getBody().toStringUtf8()).getString("access_token");

        String device = new JsonObject().put("id", "123456789").put("uuid", "dXVpZA==").encode();
        Map<String, String> withToken = ApiClient.rust(token);
        HttpProxyResponse current;
        try (SecureClient c = new SecureClient(signalingNode.port("signaling"), "127.0.0.3", key)) {
          c.send(ApiTunnelTest.request("POST", "/api/currentUser", withToken, device));
          current = c.read(10_000).getHttpProxyResponse();
        }
        ApiClient.Answer direct = new ApiClient(apiNode.port("api")).post("/api/currentUser", new JsonObject(device),
            withToken);
        assertEquals(direct.status(), current.getStatus());
        assertEquals(direct.body(), current.getBody().toStringUtf8(), "the answer the API node gives over HTTP");

        List<String> ips = apiNode.main.api().orElseThrow().db()
            .list("select ip from login_log where user_name = ?", r -> r.getString("ip"), "admin")
            .await(5, TimeUnit.SECONDS);
        assertTrue(ips.contains("127.0.0.3"), "the login is the client's, from its own address: " + ips);
      }
    }
  }
}
