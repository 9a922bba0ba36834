package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Totp;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The account calls as the RustDesk client makes them (CLIENT-API §2), against a node on loopback:
 * the first admin, login in one and two steps, the current user, logout, login options.
 */
class ApiAccountsTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String adminPassword;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("accounts", new JsonObject()
        .put("failuresBeforeDelay", 3).put("lockoutFailures", 3).put("lockoutMinutes", 1)));
    api = new ApiClient(node.port("api"));
    Path file = dataDir.resolve("admin-password.txt");
    adminPassword = Files.readString(file).trim();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static String login(String user, String password) throws Exception {
    Answer a = api.post("/api/login", ApiClient.login(user, password), ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    assertEquals("access_token", a.json().getString("type"));
    return a.json().getString("access_token");
  }

  @Test
  void theFirstStartCreatedAnAdminWhoSignsInAsTheClientDoes() throws Exception {
    Answer a = api.post("/api/login", ApiClient.login("admin", adminPassword), ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    JsonObject j = a.json();
    assertEquals("access_token", j.getString("type"));
    assertTrue(j.getString("access_token").length() >= 40);
    JsonObject user = j.getJsonObject("user");
    assertEquals("admin", user.getString("name"));
    assertEquals(Boolean.TRUE, user.getValue("is_admin"), "a real boolean");
    assertInstanceOf(Integer.class, user.getValue("status"), "an int");
    assertEquals(1, user.getInteger("status"));
    assertInstanceOf(JsonObject.class, user.getValue("info"), "SSO answers need info");
    for (String k : new String[] {"display_name", "avatar", "email", "note"}) {
      Object v = user.getValue(k);
      assertTrue(v == null || v instanceof String, k + " must be a string or null");
    }

    // Dart's package:http sends "; charset=utf-8": the same answer
    Answer dart = api.post("/api/login", ApiClient.login("admin", adminPassword), ApiClient.dart(null));
    assertEquals(200, dart.status(), dart.body());

    String token = j.getString("access_token");
    Answer me = api.post("/api/currentUser", new JsonObject().put("id", "123456789").put("uuid", "x"),
        ApiClient.rust(token));
    assertEquals(200, me.status(), me.body());
    assertEquals("admin", me.json().getString("name"));
  }

  @Test
  void logoutEndsThatTokenOnlyAndAnswersEmpty() throws Exception {
    String one = login("admin", adminPassword);
    String two = login("admin", adminPassword);
    Answer out = api.post("/api/logout", new JsonObject().put("id", "1").put("uuid", "u"), ApiClient.rust(one));
    assertEquals(200, out.status());
    assertEquals("", out.body());
    Answer gone = api.post("/api/currentUser", new JsonObject(), ApiClient.rust(one));
    assertEquals(401, gone.status(), "the client drops its token on 401");
    assertEquals("Invalid token", gone.error());
    assertEquals(200, api.post("/api/currentUser", new JsonObject(), ApiClient.rust(two)).status(), "others stay");
  }

  @Test
  void aWrongPasswordAndAnUnknownUserGetTheSameAnswer() throws Exception {
    Answer wrong = api.post("/api/login", ApiClient.login("admin", "nope"), ApiClient.rust());
    Answer unknown = api.post("/api/login", ApiClient.login("nobody-" + System.nanoTime(), "nope"), ApiClient.rust());
    assertEquals(wrong.status(), unknown.status());
    assertEquals(wrong.body(), unknown.body());
    assertEquals("Wrong username or password", wrong.error());
    assertNotEquals(200, wrong.status());
    login("admin", adminPassword); // a success clears the count
  }

  @Test
  void repeatedFailuresLockWhetherTheUserExistsOrNot() throws Exception {
    for (String name : new String[] {"locked-" + System.nanoTime(), null}) {
      String user = name;
      if (user == null) {
        JsonObject created = node.main.api().orElseThrow().accounts().users()
            .create("victim", dev.vertdesk.crypto.Argon2id.hash("right-password"), false, "", "")
            .await(5, java.util.concurrent.TimeUnit.SECONDS).payload();
        user = created.getString("name");
      }
      Answer last = null;
      int throttledAfter = -1;
      for (int i = 0; i < 8 && throttledAfter < 0; i++) {
        last = api.post("/api/login", ApiClient.login(user, "wrong"), ApiClient.rust());
        if (last.status() == 429) {
          throttledAfter = i;
        }
      }
      assertEquals(3, throttledAfter, user + ": the 4th attempt is refused: " + (last == null ? "" : last.body()));
      assertTrue(last.error().startsWith("Too many failed logins; try again in "), last.body());
    }
    // the real password does not get through either while the account is locked
    assertEquals(429, api.post("/api/login", ApiClient.login("victim", "right-password"), ApiClient.rust()).status());
  }

  @Test
  void loginOptionsListNoProviderByDefaultAndAnswerTheTlsProbe() throws Exception {
    Answer options = api.get("/api/login-options", ApiClient.rust());
    assertEquals(200, options.status());
    assertEquals(new JsonArray(), new JsonArray(options.body()), "a JSON array of strings");
    assertEquals(200, api.send("HEAD", "/api/login-options", null, Map.of()).status());
  }

  @Test
  void twoFactorLoginTakesTheUsernameFromTheFirstAnswer() throws Exception {
    node.main.api().orElseThrow().accounts().users()
        .create("alice", dev.vertdesk.crypto.Argon2id.hash("alice-password"), false, "alice@example.org", "")
        .await(5, java.util.concurrent.TimeUnit.SECONDS);
    String token = login("alice", "alice-password");
    JsonObject enrol = api.post("/api/tfa/totp/start", null, ApiClient.rust(token)).json();
    String secret = enrol.getString("secret");
    assertTrue(enrol.getString("uri").startsWith("otpauth://totp/"), enrol.encode());
    Answer confirmed = api.post("/api/tfa/totp/confirm", new JsonObject().put("code",
        Totp.code(secret, Totp.step(System.currentTimeMillis()))), ApiClient.rust(token));
    assertEquals(200, confirmed.status(), confirmed.body());
    JsonArray backup = confirmed.json().getJsonArray("backup_codes");
    assertEquals(10, backup.size());

    // step one: the client gets email_check / tfa_check with the secret and user.name
    JsonObject first = api.post("/api/login", ApiClient.login("ALICE", "alice-password"), ApiClient.rust()).json();
    assertEquals("email_check", first.getString("type"));
    assertEquals("tfa_check", first.getString("tfa_type"));
    assertEquals("alice", first.getJsonObject("user").getString("name"));
    assertNull(first.getValue("access_token"));
    // step two, as login.dart sends it: no password, username from user.name, the code twice
    JsonObject second = ApiClient.login(first.getJsonObject("user").getString("name"), null)
        .put("type", "email_code").put("secret", first.getString("secret")).put("autoLogin", false);
    second.remove("password");
    Answer wrongCode = api.post("/api/login", second.copy().put("tfaCode", "000000").put("verificationCode", "000000"),
        ApiClient.rust());
    assertEquals(401, wrongCode.status());
    assertEquals("Wrong verification code", wrongCode.error());
    // a code already used at enrolment is not good again; wait for the next step's code
    long step = Totp.step(System.currentTimeMillis()) + 1;
    String code = Totp.code(secret, step);
    Answer ok = api.post("/api/login", second.copy().put("tfaCode", code).put("verificationCode", code),
        ApiClient.rust());
    assertEquals(200, ok.status(), ok.body());
    assertEquals("access_token", ok.json().getString("type"));
    assertEquals("alice", ok.json().getJsonObject("user").getString("name"));

    // the challenge is spent; a backup code works once on a new one
    assertEquals(401, api.post("/api/login", second.copy().put("tfaCode", code), ApiClient.rust()).status());
    JsonObject again = api.post("/api/login", ApiClient.login("alice", "alice-password"), ApiClient.rust()).json();
    JsonObject byBackup = second.copy().put("secret", again.getString("secret")).put("tfaCode", backup.getString(0));
    assertEquals(200, api.post("/api/login", byBackup, ApiClient.rust()).status());
    JsonObject third = api.post("/api/login", ApiClient.login("alice", "alice-password"), ApiClient.rust()).json();
    assertEquals(401, api.post("/api/login", byBackup.copy().put("secret", third.getString("secret")),
        ApiClient.rust()).status(), "a backup code is good once");
  }

  @Test
  void enrolmentCannotReplaceAnActiveSecondFactor() throws Exception {
    node.main.api().orElseThrow().accounts().users()
        .create("bob", dev.vertdesk.crypto.Argon2id.hash("bob-password"), false, "", "")
        .await(5, java.util.concurrent.TimeUnit.SECONDS);
    String token = login("bob", "bob-password");
    String secret = api.post("/api/tfa/totp/start", null, ApiClient.rust(token)).json().getString("secret");
    assertEquals(200, api.post("/api/tfa/totp/confirm", new JsonObject().put("code",
        Totp.code(secret, Totp.step(System.currentTimeMillis()))), ApiClient.rust(token)).status());
    Answer again = api.post("/api/tfa/totp/start", null, ApiClient.rust(token));
    assertEquals(409, again.status(), again.body());
    assertFalse(again.body().contains("secret\""), again.body());
  }
}
