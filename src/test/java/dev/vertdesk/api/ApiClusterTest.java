package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes of a cluster on one PostgreSQL serve one set of accounts and tokens. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiClusterTest {

  @TempDir
  Path root;

  @Test
  void aTokenFromOneNodeIsGoodOnTheOtherUntilItLogsOutThere() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-api-" + UUID.randomUUID();
    JsonObject conf = new JsonObject()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      Path dir2 = Files.createDirectories(root.resolve("node2"));
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      try (TestNode node2 = TestNode.startClustered(dir2, conf, cluster, hazelcastPort)) {
        String password = Files.readString(dir1.resolve("admin-password.txt")).trim();
        assertEquals(false, Files.exists(dir2.resolve("admin-password.txt")), "one first admin for the cluster");
        ApiClient a = new ApiClient(node1.port("api"));
        ApiClient b = new ApiClient(node2.port("api"));
        String token = a.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).json()
            .getString("access_token");
        // node 2 looks it up, and caches it
        assertEquals(200, b.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).status());
        assertEquals(200, a.post("/api/logout", new JsonObject(), ApiClient.rust(token)).status());
        // refused on node 2 at once, although it had the token cached
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        int status;
        do {
          status = b.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).status();
        } while (status != 401 && System.nanoTime() < end);
        assertEquals(401, status, "logged out everywhere");
      }
    }
  }
}
