package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.SmtpServer;
import dev.vertdesk.testing.SmtpServer.Mail;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The e-mail login check end to end, against a real SMTP server: the client's exact two requests
 * (CLIENT-API login, {@code rustdesk/rustdesk: flutter/lib/common/widgets/login.dart}), the code
 * read from the mailbox; and the admins' alarms on a lockout and on a login from a new network.
 */
class MailLoginTest {

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
    node = TestNode.start(dataDir, new JsonObject().put("mail", smtp.config().put("alarmMinutes", 1))
        .put("accounts", new JsonObject().put("failuresBeforeDelay", 3).put("lockoutFailures", 3)
            .put("lockoutMinutes", 1)));
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
    // the admin gets the alarms at this address
    String adminGuid = calls.all("/api/users", admin, 100, "name", "admin").get(0).getString("guid");
    ok(api.send("PUT", "/api/users/" + adminGuid, new JsonObject().put("email", "admin@test.example").encode(),
        scriptJson(admin)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    smtp.close();
  }

  /** A user with an address, and the e-mail check on (by the admin). */
  static String userWithEmailCheck(String name) throws Exception {
    String guid = calls.createUser(admin, new JsonObject().put("name", name).put("password", name + "-password")
        .put("email", name + "@test.example")).getString("guid");
    empty(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(admin)));
    return guid;
  }

  /** The second step exactly as login.dart sends it for an e-mail code: no password, no tfaCode. */
  static JsonObject secondStep(JsonObject first, String code) {
    JsonObject b = ApiClient.login(first.getJsonObject("user").getString("name"), null)
        .put("type", "email_code").put("secret", first.getString("secret")).put("autoLogin", true)
        .put("verificationCode", code);
    b.remove("password");
    return b;
  }

  @Test
  void aCorrectPasswordAsksForTheMailedCodeAndTheCodeSignsIn() throws Exception {
    userWithEmailCheck("carol");
    Answer a = api.post("/api/login", ApiClient.login("CAROL", "carol-password"), ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    JsonObject first = a.json();
    assertEquals("email_check", first.getString("type"));
    assertEquals("email_check", first.getString("tfa_type"), "the client's e-mail dialog");
    assertNull(first.getValue("access_token"));
    assertEquals("carol", first.getJsonObject("user").getString("name"), "the second step's username");
    assertEquals("c***@test.example", first.getJsonObject("user").getString("email"), "shown, masked");

    Mail mail = smtp.awaitTo("carol@test.example", "Login code");
    String code = mail.find("login code is (\\d{6})\\.");
    assertTrue(mail.text().contains("test-host"), "the device the login came from: " + mail.text());

    Answer wrong = api.post("/api/login", secondStep(first, code.equals("000000") ? "111111" : "000000"),
        ApiClient.rust());
    refused(wrong, 401, "a wrong code");
    assertEquals("Wrong verification code", wrong.error());

    Answer ok = api.post("/api/login", secondStep(first, code), ApiClient.rust());
    assertEquals(200, ok.status(), ok.body());
    assertEquals("access_token", ok.json().getString("type"));
    assertEquals("carol", ok.json().getJsonObject("user").getString("name"));
    String token = ok.json().getString("access_token");
    assertEquals(200, api.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).status());

    // single use: the challenge is spent
    refused(api.post("/api/login", secondStep(first, code), ApiClient.rust()), 401, "a code used twice");
    // Sciter sends tfaCode "" and the code in verificationCode: the same
    JsonObject again = api.post("/api/login", ApiClient.login("carol", "carol-password"), ApiClient.rust()).json();
    Eventually.until(() -> smtp.to("carol@test.example").size() == 2, 10_000, "the second code arrives");
    String code2 = smtp.to("carol@test.example").get(1).find("login code is (\\d{6})\\.");
    assertEquals(200, api.post("/api/login", secondStep(again, code2).put("tfaCode", ""), ApiClient.rust()).status());
  }

  @Test
  void aCodeIsBoundToItsLoginAndWrongCodesLockTheAccountLikeWrongPasswords() throws Exception {
    userWithEmailCheck("dave");
    JsonObject one = api.post("/api/login", ApiClient.login("dave", "dave-password"), ApiClient.rust()).json();
    String codeOne = smtp.awaitTo("dave@test.example", "Login code").find("login code is (\\d{6})\\.");
    JsonObject two = api.post("/api/login", ApiClient.login("dave", "dave-password"), ApiClient.rust()).json();
    Eventually.until(() -> smtp.to("dave@test.example").size() == 2, 10_000, "the second code arrives");
    String codeTwo = smtp.to("dave@test.example").get(1).find("login code is (\\d{6})\\.");
    String wrong = codeTwo.equals("123456") ? "654321" : "123456";
    // the first login's code on the second login (or, should they be equal, any wrong code)
    refused(api.post("/api/login", secondStep(two, codeOne.equals(codeTwo) ? wrong : codeOne), ApiClient.rust()),
        401, "a code is bound to its login");
    refused(api.post("/api/login", secondStep(two, wrong), ApiClient.rust()), 401, "wrong 2");
    refused(api.post("/api/login", secondStep(two, wrong), ApiClient.rust()), 401, "wrong 3: the lockout starts");
    Answer locked = api.post("/api/login", secondStep(two, codeTwo), ApiClient.rust());
    refused(locked, 429, "locked: the right code does not get in");
    assertTrue(locked.error().startsWith("Too many failed logins"), locked.body());
    refused(api.post("/api/login", secondStep(one, codeOne), ApiClient.rust()), 429, "nor the other login's");
    refused(api.post("/api/login", ApiClient.login("dave", "dave-password"), ApiClient.rust()), 429,
        "nor the password");
  }

  @Test
  void theUserTurnsTheCheckOnAndOffWithThePassword() throws Exception {
    String guid = calls.createUser(admin, new JsonObject().put("name", "erin").put("password", "erin-password")
        .put("email", "erin@test.example")).getString("guid");
    String token = calls.login("erin", "erin-password");
    empty(api.post("/api/tfa/email/enable", new JsonObject(), ApiClient.rust(token)));
    assertEquals("email_check", api.post("/api/login", ApiClient.login("erin", "erin-password"), ApiClient.rust())
        .json().getString("tfa_type"));
    refused(api.post("/api/tfa/email/disable", new JsonObject().put("password", "not-erins"), ApiClient.rust(token)),
        400, "a session alone cannot turn it off");
    refused(api.post("/api/tfa/email/disable", new JsonObject().put("password", 42), ApiClient.rust(token)),
        400, "a password that is not a string");
    empty(api.post("/api/tfa/email/disable", new JsonObject().put("password", "erin-password"), ApiClient.rust(token)));
    assertEquals("access_token", api.post("/api/login", ApiClient.login("erin", "erin-password"), ApiClient.rust())
        .json().getString("type"), "one step again");
    // Pro's reset by an admin turns it off too
    empty(api.post("/api/tfa/email/enable", new JsonObject(), ApiClient.rust(token)));
    empty(api.send("PUT", "/api/users/disable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(admin)));
    assertEquals("access_token", api.post("/api/login", ApiClient.login("erin", "erin-password"), ApiClient.rust())
        .json().getString("type"));
  }

  @Test
  void theCheckNeedsAnAddressAndAnAdmin() throws Exception {
    String guid = calls.createUser(admin, "frank", "frank-password").getString("guid");
    String token = calls.login("frank", "frank-password");
    refused(api.post("/api/tfa/email/enable", new JsonObject(), ApiClient.rust(token)), 409, "no address");
    refused(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(admin)), 400,
        "no address to send codes to");
    refused(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "email").encode(), scriptJson(token)), 403,
        "a normal user");
    refused(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add("no-such-user")).put("type", "email").encode(), scriptJson(admin)),
        404, "an unknown user");
    refused(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", "' or 1=1 --").put("type", "email").encode(), scriptJson(admin)), 400, "not a list");
    refused(api.send("PUT", "/api/users/enable_login_verification", new JsonObject()
        .put("user_guids", new JsonArray().add(guid)).put("type", "2fa").encode(), scriptJson(admin)), 400,
        "TOTP is the user's to enrol");
    refused(api.send("PUT", "/api/users/enable_login_verification", "{\"user_guids\":", scriptJson(admin)), 400,
        "malformed");
    refused(api.post("/api/tfa/email/enable", new JsonObject(), ApiClient.rust("forged-token")), 401, "forged");
  }

  @Test
  void anAccountLockedByFailedLoginsIsMailedToTheAdmins() throws Exception {
    calls.createUser(admin, new JsonObject().put("name", "grace").put("password", "grace-password"));
    for (int i = 0; i < 3; i++) {
      api.post("/api/login", ApiClient.login("grace", "wrong-" + i), ApiClient.rust());
    }
    Mail alarm = smtp.awaitTo("admin@test.example", "Account grace locked");
    assertTrue(alarm.text().contains("3 failed logins in a row"), alarm.text());
    assertTrue(alarm.text().contains("127.0.0.1"), alarm.text());
    // the admins still sign in
    calls.adminToken();
  }

  @Test
  void aLoginFromANewNetworkIsMailedToTheAdmins() throws Exception {
    calls.createUser(admin, new JsonObject().put("name", "heidi").put("password", "heidi-password"));
    calls.login("heidi", "heidi-password"); // the first login ever is no alarm
    calls.login("heidi", "heidi-password");
    // loopback is a trusted proxy: X-Real-IP names the client
    Map<String, String> elsewhere = new LinkedHashMap<>(ApiClient.rust());
    elsewhere.put("X-Real-IP", "203.0.113.77");
    assertEquals(200, api.post("/api/login", ApiClient.login("heidi", "heidi-password"), elsewhere).status());
    Mail alarm = smtp.awaitTo("admin@test.example", "New place for heidi");
    assertTrue(alarm.text().contains("203.0.113.77") && alarm.text().contains("203.0.113.0/24"), alarm.text());
    // the same network again is no new place, and alarms are paced anyway
    Map<String, String> near = new LinkedHashMap<>(ApiClient.rust());
    near.put("X-Real-IP", "203.0.113.78");
    assertEquals(200, api.post("/api/login", ApiClient.login("heidi", "heidi-password"), near).status());
    calls.adminToken();
    assertEquals(1, smtp.to("admin@test.example").stream().filter(m -> m.subject().contains("heidi")).count());
  }

  @Test
  void lineBreaksInWhatTheClientSendsNeverReachTheHeaders() throws Exception {
    userWithEmailCheck("ivan");
    JsonObject login = ApiClient.login("ivan", "ivan-password");
    login.getJsonObject("deviceInfo").put("name", "pc\r\nBcc: victim@evil.example\r\nSubject: owned");
    login.put("id", "1\r\nCc: other@evil.example");
    assertEquals("email_check", api.post("/api/login", login, ApiClient.rust()).json().getString("type"));
    Mail mail = smtp.awaitTo("ivan@test.example", "Login code");
    assertEquals(java.util.List.of("ivan@test.example"), mail.to(), "one recipient");
    for (String h : mail.headerLines()) {
      assertFalse(h.toLowerCase().startsWith("bcc") || h.toLowerCase().startsWith("cc:")
          || h.contains("owned"), "no injected header: " + mail.headerLines());
    }
    assertEquals(0, smtp.deliveredToDomain("evil.example"), "no envelope recipient added either");
    assertFalse(mail.text().contains("\r\nBcc"), mail.text());
  }

}
