package dev.vertdesk.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.EmbeddedPg;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.TestProvider;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sign-in started on one node, brought back by the browser to another and polled on the first:
 * nothing of it lives in one node's memory, only in the PostgreSQL database the nodes share (as
 * the nodes of a cluster do; a load balancer may send each request anywhere).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SingleSignOnAcrossNodesTest {

  @TempDir
  Path root;

  @Test
  void startOnOneNodeCallbackOnAnotherPollOnTheFirst() throws Exception {
    try (TestProvider provider = new TestProvider()) {
      JsonObject conf = new JsonObject()
          .put("db", new JsonObject().put("url", EmbeddedPg.url("search_path=" + EmbeddedPg.newSchema())))
          .put("accounts", new JsonObject().put("oidc", new JsonArray()
              .add(provider.provider("Company", "company").put("createUsers", true))));
      try (TestNode a = TestNode.start(Files.createDirectories(root.resolve("a")), conf);
           TestNode b = TestNode.start(Files.createDirectories(root.resolve("b")), conf)) {
        ApiClient clientA = new ApiClient(a.port("api"));
        ApiClient clientB = new ApiClient(b.port("api"));
        // the client is told node B's address (behind the balancer, any node's will do)
        Answer started = SingleSignOnTest.auth(clientA, "Company", clientB.base);
        assertEquals(200, started.status(), started.body());
        provider.nextUser("company", "carol-subject", Map.of("preferred_username", "carol"));
        URI callback = provider.signIn(started.json().getString("url"));
        assertTrue(callback.toString().startsWith(clientB.base), callback.toString());
        HttpResponse<String> back = provider.follow(callback);
        assertEquals(200, back.statusCode(), back.body());

        Answer done = SingleSignOnTest.pollUntilDone(clientA, started.json().getString("code"));
        assertEquals(200, done.status(), done.body());
        String token = done.json().getString("access_token");
        Answer onB = clientB.post("/api/currentUser", new JsonObject(), ApiClient.rust(token));
        assertEquals(200, onB.status(), onB.body());
        assertEquals("carol", onB.json().getString("name"));
        assertEquals(409, SingleSignOnTest.poll(clientB, started.json().getString("code")).status(),
            "claimed once, whichever node is asked next");
      }
    }
  }
}
