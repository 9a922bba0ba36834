package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
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
 * {@code mail.requireLoginCode}: everyone with an address confirms logins by mail, those without
 * one (the first admin) sign in as before; and API tokens invite only with the users scope.
 */
class MailRequiredTest {

  @TempDir
  static Path dataDir;

  static SmtpServer smtp;
  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    smtp = new SmtpServer();
    node = TestNode.start(dataDir, new JsonObject().put("mail", smtp.config().put("requireLoginCode", true)));
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken(); // no address: one step
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    smtp.close();
  }

  @Test
  void everyoneWithAnAddressConfirmsTheLoginByMail() throws Exception {
    calls.createUser(admin, new JsonObject().put("name", "rosa").put("password", "rosa-password")
        .put("email", "rosa@test.example"));
    JsonObject first = api.post("/api/login", ApiClient.login("rosa", "rosa-password"), ApiClient.rust()).json();
    assertEquals("email_check", first.getString("type"));
    assertEquals("email_check", first.getString("tfa_type"));
    String code = smtp.awaitTo("rosa@test.example", "Login code").find("login code is (\\d{6})\\.");
    JsonObject second = ApiClient.login("rosa", null).put("type", "email_code").put("secret", first.getString("secret"))
        .put("verificationCode", code);
    second.remove("password");
    assertEquals("access_token", api.post("/api/login", second, ApiClient.rust()).json().getString("type"));
    // a user without an address is left out of the node-wide rule
    calls.createUser(admin, "sam", "sam-password");
    calls.login("sam", "sam-password");
  }

  @Test
  void anApiTokenInvitesOnlyWithTheUsersScope() throws Exception {
    String devicesOnly = ok(api.post("/api/tokens", new JsonObject().put("name", "devices-only")
        .put("scopes", new JsonArray().add("devices")).put("expires_in_days", 1), scriptJson(admin))).json()
        .getString("token");
    refused(api.post("/api/users/invite", new JsonObject().put("email", "tia@test.example").put("name", "tia"),
        scriptJson(devicesOnly)), 403, "a token without the users scope");
    String users = ok(api.post("/api/tokens", new JsonObject().put("name", "provisioning")
        .put("scopes", new JsonArray().add("users")).put("expires_in_days", 1), scriptJson(admin))).json()
        .getString("token");
    JsonObject invited = ok(api.post("/api/users/invite", new JsonObject().put("email", "tia@test.example")
        .put("name", "tia"), scriptJson(users))).json();
    assertEquals(-1, invited.getInteger("status"));
    assertTrue(smtp.awaitTo("tia@test.example", "Your RustDesk account").text().contains("/api/invitations/accept?token="));
  }
}
