package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.Principal;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every audit route against what strangers send: malformed, wrongly typed, huge and deep bodies,
 * out-of-range session ids, SQL-like filter strings, forged tokens, a normal user at the admin
 * listings. Always a 4xx with a JSON error and nothing stored; login still works after.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAuditHostileTest {

  @TempDir
  static Path dataDir;
  static TestNode node;
  static ApiClient api;
  static String admin;
  static String user;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("api", new JsonObject().put("config", new JsonObject().put("maxBodyBytes", 131_072)))));
    api = new ApiClient(node.port("api"));
    admin = Devices.apiToken(node, "admin", "audit");
    Devices.user(node, "mallory");
    user = Devices.session(node, "mallory");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  static void refused(Answer a, int status, String what) {
    assertEquals(status, a.status(), what + ": " + a.body());
    assertTrue(new JsonObject(a.body()).getValue("error") instanceof String, what + ": a JSON error " + a.body());
    assertTrue(!a.body().contains("Exception") && !a.body().contains("SQL"), what + ": no internals " + a.body());
  }

  @Test
  void badDevicePostsAreRefusedWithoutAFiveHundred() throws Exception {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    String[] bodies = {
        "", "not json", "{", "[]", "\"text\"", "null", "{\"id\": 5}", "{\"id\": \"\"}",
        "{\"id\": \"1\", \"session_id\": -1}", "{\"id\": \"1\", \"session_id\": 18446744073709551616}",
        "{\"id\": \"1\", \"session_id\": 1.5}", "{\"id\": \"1\", \"session_id\": \"12x\"}",
        "{\"id\": \"1\", \"session_id\": 1, \"conn_id\": 4294967296}",
        "{\"id\": \"1\", \"session_id\": 1, \"action\": \"drop table\"}",
        "{\"id\": \"1\", \"session_id\": 1, \"peer\": \"bob\"}",
        "{\"id\": \"1\", \"session_id\": 1, \"peer\": [1, 2]}",
        "{\"id\": \"1\", \"session_id\": 1, \"type\": 99}",
        "{\"id\": \"1\", \"session_id\": 1, \"nonce\": {\"$gt\": 1}}",
        "{\"id\": \"" + "9".repeat(101) + "\", \"session_id\": 1}",
        "{\"id\": \"1\", \"x\": " + deep + "}"};
    for (String body : bodies) {
      refused(api.send("POST", "/api/audit/conn", body, ApiClient.rust()), 400, "conn " + body.substring(0,
          Math.min(60, body.length())));
    }
    for (String body : new String[] {"{\"id\": \"1\", \"type\": 7}", "{\"id\": \"1\", \"info\": {}}",
        "{\"id\": \"1\", \"is_file\": \"yes\"}", "{\"id\": \"1\", \"info\": \"" + "x".repeat(70_000) + "\"}"}) {
      refused(api.send("POST", "/api/audit/file", body, ApiClient.rust()), 400, "file " + body.substring(0,
          Math.min(30, body.length())));
    }
    for (String body : new String[] {"{\"id\": \"1\", \"typ\": \"0\"}", "{\"typ\": 0}", "{\"id\": \"1\", \"typ\": -3}"}) {
      refused(api.send("POST", "/api/audit/alarm", body, ApiClient.rust()), 400, "alarm " + body);
    }
    Answer huge = api.send("POST", "/api/audit/alarm", "{\"id\": \"1\", \"info\": \"" + "x".repeat(200_000) + "\"}",
        ApiClient.rust());
    assertEquals(413, huge.status(), "over the body limit");
    // a file record whose info text nests deeply is kept as text, and answered
    Answer nested = api.send("POST", "/api/audit/file", new JsonObject().put("id", "1").put("info",
        "{\"a\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}").encode(), ApiClient.rust());
    assertEquals(200, nested.status(), nested.body());
    assertEquals(0, listed("conn", "?device=1"), "nothing stored from the refused posts");
  }

  @Test
  void theControllingSidesCallsCheckTokenAndInput() throws Exception {
    refused(api.get("/api/audit/conn/active?id=1&session_id=1", ApiClient.rust("forged-token")), 401, "forged");
    refused(api.get("/api/audit/conn/active?id=1&session_id=-1", ApiClient.rust(user)), 400, "negative");
    refused(api.get("/api/audit/conn/active?id=1&session_id=99999999999999999999", ApiClient.rust(user)), 400,
        "over u64");
    refused(api.get("/api/audit/conn/active?id=1", ApiClient.rust(user)), 400, "no session");
    refused(api.get("/api/audit/conn/active?id=1&session_id=1&conn_type=9", ApiClient.rust(user)), 400, "type");
    refused(api.send("PUT", "/api/audit", "{\"guid\": 1}", ApiClient.rust(user)), 400, "guid type");
    refused(api.send("PUT", "/api/audit", "{\"guid\": \"' or 1=1 --\", \"note\": \"x\"}", ApiClient.rust(user)), 404,
        "no such record");
    refused(api.send("PUT", "/api/audit", "{\"guid\": \"g\", \"note\": \"x\"}", ApiClient.rust()), 401, "no token");
    refused(api.send("PUT", "/api/audit", "{\"guid\": \"g\", \"note\": \"" + "n".repeat(5000) + "\"}",
        ApiClient.rust(user)), 400, "long note");
  }

  @Test
  void theListingsAreForAuditAdminsAndTakeFiltersAsText() throws Exception {
    refused(api.get("/api/audits/conn", ApiClient.bearerOnly(user)), 403, "a normal user");
    refused(api.get("/api/audits/conn", ApiClient.bearerOnly("forged")), 401, "forged token");
    refused(api.get("/api/audits/conn", Map.of()), 401, "no token");
    String adminGuid = Devices.api(node).accounts().users().byName("admin").await(10, TimeUnit.SECONDS).guid();
    String expired = new TokenStore(Devices.api(node).db()).issue(Principal.API, adminGuid, "old", "audit", null,
        System.currentTimeMillis() - 1000).await(10, TimeUnit.SECONDS);
    refused(api.get("/api/audits/conn", ApiClient.bearerOnly(expired)), 401, "an expired token");
    String devicesOnly = Devices.apiToken(node, "admin", "devices");
    refused(api.get("/api/audits/conn", ApiClient.bearerOnly(devicesOnly)), 403, "a token without the audit scope");
    refused(api.get("/api/audits/nothing", ApiClient.bearerOnly(admin)), 404, "no such kind");
    refused(api.get("/api/audits/conn?created_at=yesterday", ApiClient.bearerOnly(admin)), 400, "time");
    refused(api.get("/api/audits/conn?conn_type=1%20or%201=1", ApiClient.bearerOnly(admin)), 400, "type");
    refused(api.get("/api/audits/conn?session_id=-5", ApiClient.bearerOnly(admin)), 400, "session");
    refused(api.get("/api/audits/conn?format=xml", ApiClient.bearerOnly(admin)), 400, "format");
    refused(api.get("/api/audits/conn?pageSize=100000", ApiClient.bearerOnly(admin)), 400, "page size");
    refused(api.get("/api/audits/conn?remote=" + "x".repeat(300), ApiClient.bearerOnly(admin)), 400, "long filter");
    refused(api.get("/api/audits/conn?remote=a&remote=b", ApiClient.bearerOnly(admin)), 400, "given twice");
    refused(api.get("/api/audits/conn?format=csv&created_at=soon", ApiClient.bearerOnly(admin)), 400, "csv time");

    api.send("POST", "/api/audit/conn", "{\"id\": \"580000001\", \"session_id\": 1, \"conn_id\": 1, \"action\": \"new\","
        + " \"ip\": \"10.0.0.1\"}", ApiClient.rust());
    for (String sqlish : new String[] {"' or '1'='1", "%' --", "1; drop table audit_conn; --", "_", "\\", "%_%",
        "\" or \"\"=\"", "58000000_"}) {
      for (String kind : new String[] {"conn?remote=", "conn?device=", "file?path=", "alarm?device=",
          "console?operator=", "login?name="}) {
        Answer a = api.get("/api/audits/" + kind + URLEncoder.encode(sqlish, StandardCharsets.UTF_8),
            ApiClient.bearerOnly(admin));
        assertEquals(200, a.status(), kind + sqlish + ": " + a.body());
        assertEquals(0, a.json().getLong("total"), kind + sqlish + " matches itself only");
      }
    }
    assertEquals(1, listed("conn", "?device=" + URLEncoder.encode("%58000000%", StandardCharsets.UTF_8)));
    assertEquals(1, listed("conn", "?device=5800000%25"), "% is the only wildcard");
    refused(api.get("/api/audits/conn?format=csv", ApiClient.bearerOnly(user)), 403, "csv for a normal user");

    String password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
    Answer login = api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust());
    assertEquals(200, login.status(), "login still works: " + login.body());
  }

  static long listed(String kind, String query) throws Exception {
    Answer a = api.get("/api/audits/" + kind + query, ApiClient.bearerOnly(admin));
    assertEquals(200, a.status(), a.body());
    return a.json().getLong("total");
  }
}
