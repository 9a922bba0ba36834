package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.AdminHttp;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the store and the drain; liveness does not. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminHealthTest {

  @TempDir
  Path dataDir;

  @Test
  void notReadyWhileTheStoreIsDown() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      AdminHttp admin = new AdminHttp(node.port("admin"), dataDir);
      AdminHttp.Reply ready = admin.send("GET", "/health/ready", null, null);
      assertEquals(200, ready.status(), ready.body());
      assertEquals("UP", ready.json().getString("status"));
      JsonObject checks = ready.json().getJsonObject("checks");
      assertTrue(checks.getJsonObject("store").getBoolean("ok"));
      assertTrue(checks.getJsonObject("verticles").getJsonArray("unbound").isEmpty());
      assertEquals(503, admin.send("GET", "/metrics", null, null).status(), "no metrics on this Vert.x");

      node.core().store().close().await(5, TimeUnit.SECONDS); // the database goes away
      AdminHttp.Reply down = admin.send("GET", "/health/ready", null, null);
      assertEquals(503, down.status(), down.body());
      assertEquals("DOWN", down.json().getString("status"));
      JsonObject store = down.json().getJsonObject("checks").getJsonObject("store");
      assertFalse(store.getBoolean("ok"));
      assertTrue(store.getString("error") != null, store.encode());
      assertEquals(200, admin.send("GET", "/health/live", null, null).status(), "still alive");
    }
  }

  @Test
  void notReadyWhileAnEnabledListenerIsNotBound() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      AdminHttp admin = new AdminHttp(node.port("admin"), dataDir);
      assertEquals(200, admin.send("GET", "/health/ready", null, null).status());
      // as while the node is still starting: the relay has not reported its port yet
      int relay = node.port("relay");
      node.core().ports().released("relay");
      AdminHttp.Reply r = admin.send("GET", "/health/ready", null, null);
      assertEquals(503, r.status(), r.body());
      assertEquals(new io.vertx.core.json.JsonArray().add("relay"),
          r.json().getJsonObject("checks").getJsonObject("verticles").getJsonArray("unbound"));
      node.core().ports().bound("relay", relay);
      assertEquals(200, admin.send("GET", "/health/ready", null, null).status());
    }
  }

  @Test
  void notReadyWhileDraining() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      AdminHttp admin = new AdminHttp(node.port("admin"), dataDir);
      assertEquals(200, admin.send("GET", "/health/ready", null, null).status());
      assertEquals(401, admin.send("POST", "/api/drain", null, null).status());
      assertFalse(node.core().drain().draining());
      AdminHttp.Reply started = admin.post("/api/drain", null);
      assertEquals(200, started.status(), started.body());
      assertTrue(started.json().getBoolean("started"));
      assertTrue(node.core().drain().draining());
      AdminHttp.Reply r = admin.send("GET", "/health/ready", null, null);
      assertEquals(503, r.status(), r.body());
      assertFalse(r.json().getJsonObject("checks").getJsonObject("drain").getBoolean("ok"));
      assertTrue(admin.get("/api/status").local().getBoolean("draining"));
      assertEquals(200, admin.send("GET", "/health/live", null, null).status());
    }
  }
}
