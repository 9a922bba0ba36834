package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.scriptGet;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of a cluster on one PostgreSQL: what an admin does on one node (disable a user, demote
 * an admin, revoke an API token) is refused on the other at once, although the other had the
 * token cached.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiAdminClusterTest {

  @TempDir
  Path root;

  /** The status of {@code call} once it is {@code expected}, or its last one after 2 s. */
  static int within2s(int expected, Callable<Integer> call) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    int status;
    do {
      status = call.call();
    } while (status != expected && System.nanoTime() < end);
    return status;
  }

  @Test
  void adminChangesOnOneNodeAreRefusedOnTheOtherAtOnce() throws Exception {
    int hazelcastPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      hazelcastPort = free.getLocalPort();
    }
    String cluster = "vertdesk-admin-" + UUID.randomUUID();
    JsonObject conf = new JsonObject()
        .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())));
    Path dir1 = Files.createDirectories(root.resolve("node1"));
    try (TestNode node1 = TestNode.startClustered(dir1, conf, cluster, hazelcastPort)) {
      Path dir2 = Files.createDirectories(root.resolve("node2"));
      for (String f : new String[] {"id_ed25519", "id_ed25519.pub"}) {
        Files.copy(dir1.resolve(f), dir2.resolve(f));
      }
      try (TestNode node2 = TestNode.startClustered(dir2, conf, cluster, hazelcastPort)) {
        AdminCalls one = new AdminCalls(node1);
        ApiClient two = new ApiClient(node2.port("api"));
        String admin = one.adminToken();

        // a user signed in, its token cached on node 2; disabled on node 1
        String guid = one.createUser(admin, "clustered", "cluster-password").getString("guid");
        String session = one.login("clustered", "cluster-password");
        ok(two.post("/api/currentUser", new JsonObject(), ApiClient.rust(session)));
        empty(one.api.send("POST", "/api/users/" + guid + "/disable", null, scriptGet(admin)));
        assertEquals(401, within2s(401, () -> two.post("/api/currentUser", new JsonObject(),
            ApiClient.rust(session)).status()), "disabled everywhere");

        // a second admin, cached as admin on node 2; demoted on node 1
        String second = one.createUser(admin, new JsonObject().put("name", "second").put("password", "cluster-password")
            .put("is_admin", true)).getString("guid");
        String secondSession = one.login("second", "cluster-password");
        ok(two.get("/api/users", scriptGet(secondSession)));
        ok(one.api.send("PUT", "/api/users/" + second, new JsonObject().put("is_admin", false).encode(),
            scriptJson(admin)));
        assertEquals(403, within2s(403, () -> two.get("/api/users", scriptGet(secondSession)).status()),
            "no longer an admin anywhere");

        // an API token used on node 2, revoked on node 1
        JsonObject token = ok(one.api.post("/api/tokens", new JsonObject().put("name", "ci").put("scopes", "users")
            .put("expires_in_days", 1), scriptJson(admin))).json();
        ok(two.get("/api/users", scriptGet(token.getString("token"))));
        empty(one.api.send("DELETE", "/api/tokens/" + token.getString("id"), null, scriptGet(admin)));
        assertEquals(401, within2s(401, () -> two.get("/api/users", scriptGet(token.getString("token"))).status()),
            "revoked everywhere");

        // the admin goes on, on either node
        ok(two.get("/api/users", scriptGet(admin)));
      }
    }
  }
}
