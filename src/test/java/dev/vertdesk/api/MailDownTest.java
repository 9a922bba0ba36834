package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.SmtpServer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SMTP server is down (connections refused): what waits for a mail is told so, in a 4xx the
 * client shows (no internals, no address of the mail server), and everything else goes on.
 */
class MailDownTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("mail", SmtpServer.config(SmtpServer.closedPort())));
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static void noInternals(Answer a) {
    for (String internal : new String[] {"127.0.0.1", "Connection refused", "Exception", "smtp", "SMTP", ":"
        + node.core().config().mail().port()}) {
      assertFalse(a.body().contains(internal), "leaks " + internal + ": " + a.body());
    }
  }

  @Test
  void aLoginWaitingForItsCodeIsToldTheMailCannotBeSent() throws Exception {
    String guid = calls.createUser(admin, new JsonObject().put("name", "olga").put("password", "olga-password")
        .put("email", "olga@test.example")).getString("guid");
    empty(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(admin)));
    Answer a = api.post("/api/login", ApiClient.login("olga", "olga-password"), ApiClient.rust());
    refused(a, 424, "the code cannot be mailed");
    assertTrue(a.error().startsWith("The verification e-mail could not be sent"), a.body());
    noInternals(a);

    // a login without the e-mail check still works, as does the admin's
    calls.createUser(admin, new JsonObject().put("name", "paul").put("password", "paul-password")
        .put("email", "paul@test.example"));
    assertEquals("access_token", api.post("/api/login", ApiClient.login("paul", "paul-password"), ApiClient.rust())
        .json().getString("type"));
    calls.adminToken();
  }

  @Test
  void anInvitationThatCannotBeMailedIsNotKept() throws Exception {
    Answer a = api.post("/api/users/invite", new JsonObject().put("email", "quinn@test.example").put("name", "quinn"),
        scriptJson(admin));
    refused(a, 424, "the invitation cannot be mailed");
    assertTrue(a.error().startsWith("The invitation e-mail could not be sent"), a.body());
    noInternals(a);
    assertTrue(calls.all("/api/users", admin, 100, "name", "quinn").isEmpty(), "the admin can simply try again");
  }
}
