package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static dev.vertdesk.api.AdminCalls.scriptJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.SmtpServer;
import dev.vertdesk.testing.SmtpServer.Mail;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invitations by e-mail against a real SMTP server: the admin's call, the mailed link, the
 * invitee's form (escaped, under a strict CSP), the password set through it; and every way to
 * misuse the link or the call.
 */
class InvitationTest {

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
    node = TestNode.start(dataDir, new JsonObject().put("mail", smtp.config())
        .put("accounts", new JsonObject().put("publicUrl", "https://rd.test.example"))
        .put("verticles", new JsonObject().put("api", new JsonObject().put("config",
            new JsonObject().put("maxBodyBytes", 131_072)))));
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    smtp.close();
  }

  static JsonObject invite(String name, String email) throws Exception {
    return ok(api.post("/api/users/invite", new JsonObject().put("email", email).put("name", name)
        .put("note", "from HR"), scriptJson(admin))).json();
  }

  /** The token of the last invitation mailed to {@code email}, from the link in the mail. */
  static String mailedToken(String email) throws Exception {
    Mail mail = smtp.awaitTo(email, "Your RustDesk account");
    return mail.find("https://rd\\.test\\.example/api/invitations/accept\\?token=([A-Za-z0-9_-]{43})");
  }

  static Answer page(String token) throws Exception {
    return api.get("/api/invitations/accept?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8),
        Map.of("Accept", "text/html"));
  }

  static Answer submit(String token, String password, String confirm) throws Exception {
    return submit("token=" + enc(token) + "&password=" + enc(password) + "&confirm=" + enc(confirm));
  }

  static Answer submit(String form) throws Exception {
    return api.send("POST", "/api/invitations/accept", form,
        Map.of("Content-Type", "application/x-www-form-urlencoded"));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static void htmlPage(Answer a, int status) {
    assertEquals(status, a.status(), a.body());
    assertTrue(a.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String csp = a.raw().headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.startsWith("default-src 'none'") && !csp.contains("unsafe"), csp);
    assertEquals("no-referrer", a.raw().headers().firstValue("Referrer-Policy").orElse(""));
    assertFalse(a.body().contains("<script") || a.body().contains("http://") || a.body().contains("https://"),
        "no scripts, no external resources: " + a.body());
  }

  @Test
  void theInviteeSetsAPasswordThroughTheMailedLinkAndSignsIn() throws Exception {
    JsonObject user = invite("Judy <b>&amp;</b>", "judy@test.example");
    assertEquals(-1, user.getInteger("status"), "invited, not yet verified");
    assertEquals("judy@test.example", user.getString("email"));
    String token = mailedToken("judy@test.example");

    // until then nobody signs in as the invited user, whatever the password
    refused(api.post("/api/login", ApiClient.login("Judy <b>&amp;</b>", ""), ApiClient.rust()), 400, "no password");
    refused(api.post("/api/login", ApiClient.login("Judy <b>&amp;</b>", "anything-at-all"), ApiClient.rust()), 401,
        "no password yet");

    Answer form = page(token);
    htmlPage(form, 200);
    assertTrue(form.body().contains("Judy &lt;b&gt;&amp;amp;&lt;/b&gt;"), "the name, escaped: " + form.body());
    assertFalse(form.body().contains("<b>&amp;</b>"), form.body());
    assertTrue(form.body().contains("name=\"token\" value=\"" + token + "\""), form.body());

    Answer differ = submit(token, "judy-password", "judy-passw0rd");
    htmlPage(differ, 400);
    assertTrue(differ.body().contains("The two passwords differ"), differ.body());
    htmlPage(submit(token, "short", "short"), 400);

    Answer done = submit(token, "judy-password", "judy-password");
    htmlPage(done, 200);
    assertTrue(done.body().contains("Your password is set"), done.body());
    String session = calls.login("Judy <b>&amp;</b>", "judy-password");
    assertEquals(1, api.post("/api/currentUser", new JsonObject(), ApiClient.rust(session)).json()
        .getInteger("status"));

    // the link is good once
    htmlPage(page(token), 404);
    htmlPage(submit(token, "other-password", "other-password"), 404);
    calls.login("Judy <b>&amp;</b>", "judy-password");
  }

  @Test
  void forgedExpiredAndWithdrawnLinksAreRefusedAlike() throws Exception {
    htmlPage(page("x".repeat(43)), 404);
    htmlPage(page("' or 1=1 --"), 404);
    htmlPage(page(""), 404);
    htmlPage(submit("x".repeat(43), "some-password", "some-password"), 404);
    htmlPage(submit(""), 404);

    JsonObject user = invite("kim", "kim@test.example");
    String token = mailedToken("kim@test.example");
    // expired: moved into the past in the database
    node.main.api().orElseThrow().db().update("update user_invitations set expires_at = ? where user_guid = ?",
        System.currentTimeMillis() - 1000, user.getString("guid")).await(5, TimeUnit.SECONDS);
    htmlPage(page(token), 404);
    htmlPage(submit(token, "kim-password", "kim-password"), 404);

    JsonObject leo = invite("leo", "leo@test.example");
    String leoToken = mailedToken("leo@test.example");
    // withdrawn: the admin disabled the invited user
    AdminCalls.empty(api.post("/api/users/" + leo.getString("guid") + "/disable", null, scriptJson(admin)));
    htmlPage(submit(leoToken, "leo-password", "leo-password"), 404);
    refused(api.post("/api/login", ApiClient.login("leo", "leo-password"), ApiClient.rust()), 401, "never accepted");
  }

  @Test
  void oversizedAndMalformedFormsGetAClearError() throws Exception {
    invite("mia", "mia@test.example");
    String token = mailedToken("mia@test.example");
    Answer huge = submit(token, "p".repeat(40_000), "p".repeat(40_000));
    assertTrue(huge.status() >= 400 && huge.status() < 500, huge.status() + " " + huge.body());
    Answer many = submit("a=1&".repeat(5000) + "token=" + token);
    assertTrue(many.status() >= 400 && many.status() < 500, many.status() + " " + many.body());
    Answer json = api.send("POST", "/api/invitations/accept", new JsonObject().put("token", token)
        .put("password", "mia-password").put("confirm", "mia-password").encode(), ApiClient.rust());
    assertTrue(json.status() >= 400 && json.status() < 500, "not a form: " + json.status());
    // the invitation survived all that
    htmlPage(submit(token, "mia-password", "mia-password"), 200);
    calls.login("mia", "mia-password");
  }

  @Test
  void onlyAdminsInviteAndTheFieldsAreChecked() throws Exception {
    calls.createUser(admin, "nina", "nina-password");
    String normal = calls.login("nina", "nina-password");
    refused(api.post("/api/users/invite", new JsonObject().put("email", "x@test.example").put("name", "x"),
        scriptJson(normal)), 403, "a normal user");
    refused(api.post("/api/users/invite", new JsonObject().put("email", "x@test.example").put("name", "x"),
        scriptJson("forged")), 401, "a forged token");
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("no address", "{\"name\":\"x1\"}");
    bad.put("not an address", "{\"name\":\"x2\",\"email\":\"not-an-address\"}");
    bad.put("CR/LF in the address", "{\"name\":\"x3\",\"email\":\"x@test.example\\r\\nBcc: y@evil.example\"}");
    bad.put("two addresses", "{\"name\":\"x4\",\"email\":\"x@test.example, y@evil.example\"}");
    bad.put("CR/LF in the name", "{\"name\":\"x5\\r\\nBcc: y@evil.example\",\"email\":\"x@test.example\"}");
    bad.put("a name too long", "{\"name\":\"" + "n".repeat(2000) + "\",\"email\":\"x@test.example\"}");
    bad.put("an address too long", "{\"name\":\"x6\",\"email\":\"" + "a".repeat(300) + "@test.example\"}");
    bad.put("a number", "{\"name\":\"x7\",\"email\":42}");
    bad.put("an unknown group", "{\"name\":\"x8\",\"email\":\"x@test.example\",\"group_name\":\"' or 1=1 --\"}");
    bad.put("malformed", "{\"name\":");
    bad.put("deep", "[".repeat(100) + "]".repeat(100));
    for (Map.Entry<String, String> e : bad.entrySet()) {
      refused(api.send("POST", "/api/users/invite", e.getValue(), scriptJson(admin)), 400, e.getKey());
    }
    refused(api.send("POST", "/api/users/invite", "{\"name\":\"" + "a".repeat(200_000) + "\"}",
        scriptJson(admin)), 413, "a body over the limit");
    assertEquals(0, smtp.deliveredToDomain("evil.example"));
    refused(api.post("/api/users/invite", new JsonObject().put("email", "nina@test.example").put("name", "NINA"),
        scriptJson(admin)), 409, "a name taken");
    assertTrue(calls.all("/api/users", admin, 100, "name", "x%").isEmpty(), "nobody was created");
    calls.adminToken();
  }
}
