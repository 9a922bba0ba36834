package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records a controlled device posts, exactly as the client sends them
 * (rustdesk/rustdesk: src/server/connection.rs), answered 200 with an exactly empty body,
 * de-duplicated by nonce, merged into one record per connection, with full-range u64 session ids
 * given back exactly; and the controlling side's guid and notes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAuditPostsTest {

  static final String MAX_U64 = "18446744073709551615";

  @TempDir
  static Path dataDir;
  static TestNode node;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    api = new ApiClient(node.port("api"));
    admin = Devices.apiToken(node, "admin", "audit");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A body with a u64 written as the client's serde_json writes it: a bare number. */
  static String withSession(JsonObject body, String sessionId) {
    String encoded = body.put("session_id", 0).encode();
    return encoded.replace("\"session_id\":0", "\"session_id\":" + sessionId);
  }

  static Answer post(String path, String body) throws Exception {
    return api.send("POST", path, body, ApiClient.rust());
  }

  static JsonObject common(String id, int connId) {
    return new JsonObject().put("id", id).put("uuid", Devices.uuid(Devices.machineUid(id))).put("conn_id", connId)
        .put("nonce", UUID.randomUUID().toString());
  }

  static JsonObject list(String query) throws Exception {
    Answer a = api.get("/api/audits/" + query, ApiClient.bearerOnly(admin));
    assertEquals(200, a.status(), a.body());
    return a.json();
  }

  static JsonObject onlyConn(String deviceId) throws Exception {
    JsonObject page = list("conn?device=" + deviceId);
    assertEquals(1, page.getLong("total"), page.encode());
    return page.getJsonArray("data").getJsonObject(0);
  }

  @Test
  void aConnectionsThreePostsAreAnsweredEmptyAndMergedWithTheSessionIdExact() throws Exception {
    String id = "510000001";
    Answer opened = post("/api/audit/conn", withSession(common(id, 7).put("action", "new").put("ip", "203.0.113.9")
        .put("conn_audit_ref", "ref-1"), MAX_U64));
    assertEquals(200, opened.status(), opened.body());
    assertEquals("", opened.body(), "exactly empty: the client's only success");
    Answer authorised = post("/api/audit/conn", withSession(common(id, 7).put("peer",
        new JsonArray().add("620000002").add("Bob")).put("type", 1).put("primary_auth", 2).put("two_factor", 1),
        MAX_U64));
    assertEquals(200, authorised.status());
    assertEquals("", authorised.body());
    Answer closed = post("/api/audit/conn", withSession(common(id, 7).put("action", "close"), MAX_U64));
    assertEquals(200, closed.status());
    assertEquals("", closed.body());

    Answer raw = api.get("/api/audits/conn?device=" + id, ApiClient.bearerOnly(admin));
    assertTrue(raw.body().contains("\"session_id\":" + MAX_U64), "the u64 comes back as the same number: " + raw.body());
    JsonObject item = onlyConn(id);
    assertEquals(new BigInteger(MAX_U64), new BigInteger(item.getValue("session_id").toString()));
    assertEquals("203.0.113.9", item.getString("ip"));
    assertEquals("620000002", item.getString("peer_id"));
    assertEquals("Bob", item.getString("peer_name"));
    assertEquals(1, item.getInteger("conn_type"));
    assertEquals(2, item.getInteger("primary_auth"));
    assertEquals(1, item.getInteger("two_factor"));
    assertEquals("ref-1", item.getString("conn_audit_ref"));
    assertEquals(7, item.getInteger("conn_id"));
    assertTrue(item.getLong("end_time") >= item.getLong("created_at"), item.encode());
    assertEquals("device", item.getString("source"));
  }

  @Test
  void sessionIdsAcrossTheRangeComeBackExactly() throws Exception {
    String[] ids = {"0", "9223372036854775807", "9223372036854775808", "12345678901234567890", MAX_U64};
    for (int i = 0; i < ids.length; i++) {
      String device = "52000000" + i;
      assertEquals(200, post("/api/audit/conn", withSession(common(device, i).put("action", "new"), ids[i])).status());
      Answer raw = api.get("/api/audits/conn?device=" + device, ApiClient.bearerOnly(admin));
      assertTrue(raw.body().contains("\"session_id\":" + ids[i] + ","), ids[i] + " in " + raw.body());
      assertEquals(1, list("conn?session_id=" + ids[i] + "&device=" + device).getLong("total"), ids[i]);
    }
  }

  @Test
  void aRetriedPostIsAnsweredTheSameAndStoredOnce() throws Exception {
    String id = "530000001";
    JsonObject conn = common(id, 3).put("action", "new").put("ip", "198.51.100.1");
    for (int i = 0; i < 3; i++) {
      Answer a = post("/api/audit/conn", withSession(conn.copy(), "42"));
      assertEquals(200, a.status());
      assertEquals("", a.body());
    }
    assertEquals(1, list("conn?device=" + id).getLong("total"));

    JsonObject file = new JsonObject().put("id", id).put("uuid", "dXVpZA==").put("peer_id", "640000001").put("conn_id", 3)
        .put("type", 1).put("path", "/home/alice/in").put("is_file", false)
        .put("info", new JsonObject().put("ip", "198.51.100.1").put("name", "Bob").put("num", 2)
            .put("files", new JsonArray().add(new JsonArray().add("a.bin").add(2048))).encode())
        .put("nonce", UUID.randomUUID().toString());
    JsonObject alarm = new JsonObject().put("id", id).put("uuid", "dXVpZA==").put("typ", 2)
        .put("info", "{\"ip\":\"198.51.100.1\"}").put("conn_id", 3).put("nonce", UUID.randomUUID().toString());
    for (int i = 0; i < 2; i++) {
      Answer f = api.post("/api/audit/file", file, ApiClient.rust());
      assertEquals(200, f.status(), f.body());
      assertEquals("", f.body());
      Answer a = api.post("/api/audit/alarm", alarm, ApiClient.rust());
      assertEquals(200, a.status(), a.body());
      assertEquals("", a.body());
    }
    JsonObject files = list("file?device=" + id);
    assertEquals(1, files.getLong("total"));
    JsonObject f = files.getJsonArray("data").getJsonObject(0);
    assertEquals("640000001", f.getString("peer_id"));
    assertEquals("Bob", f.getString("peer_name"));
    assertEquals(2, f.getInteger("num"));
    assertEquals(1, f.getInteger("type"));
    assertEquals("/home/alice/in", f.getString("path"));
    assertEquals(1, list("file?remote=%25640000001%25").getLong("total"), "Pro's %..% filter");
    JsonObject alarms = list("alarm?device=" + id);
    assertEquals(1, alarms.getLong("total"));
    assertEquals(2, alarms.getJsonArray("data").getJsonObject(0).getInteger("typ"));
  }

  @Test
  void theControllingSideGetsTheGuidAndNotesTheRecord() throws Exception {
    Devices.user(node, "carol");
    String carol = Devices.session(node, "carol");
    Devices.user(node, "dave");
    String dave = Devices.session(node, "dave");
    String id = "540000001";
    String session = "17000000000000000001";
    String path = "/api/audit/conn/active?id=" + id + "&session_id=" + session + "&conn_type=0";
    // the controlling side may ask before the device posted: the record is made then, and taken over
    Answer early = api.get(path, ApiClient.rust(carol));
    assertEquals(200, early.status(), early.body());
    String guid = (String) io.vertx.core.json.Json.decodeValue(early.body());
    assertFalse(guid.isEmpty());
    assertEquals(200, post("/api/audit/conn", withSession(common(id, 11).put("action", "new").put("ip", "192.0.2.1"),
        session)).status());
    Answer again = api.get(path, ApiClient.rust(carol));
    assertEquals("\"" + guid + "\"", again.body(), "a JSON string, the same record");

    Answer noted = api.send("PUT", "/api/audit", new JsonObject().put("guid", guid).put("note", "fixed the printer")
        .encode(), ApiClient.rust(carol));
    assertEquals(200, noted.status(), noted.body());
    assertEquals("", noted.body());
    Answer stranger = api.send("PUT", "/api/audit", new JsonObject().put("guid", guid).put("note", "mine now")
        .encode(), ApiClient.rust(dave));
    assertEquals(404, stranger.status(), "another user cannot note it");
    assertEquals(401, api.get(path, ApiClient.rust()).status(), "no token");

    JsonObject item = onlyConn(id);
    assertEquals(guid, item.getString("guid"));
    assertEquals("fixed the printer", item.getString("note"));
    assertEquals(11, item.getInteger("conn_id"));
    assertEquals("192.0.2.1", item.getString("ip"));
    assertEquals(0, item.getInteger("conn_type"));
  }

  @Test
  void theSciterNoteHasNoTokenAndReachesTheSessionsRecord() throws Exception {
    String id = "550000001";
    assertEquals(200, post("/api/audit/conn", withSession(common(id, 1).put("action", "new"), MAX_U64)).status());
    Answer note = post("/api/audit/conn", withSession(new JsonObject().put("id", id).put("note", "asked by phone"), MAX_U64));
    assertEquals(200, note.status(), note.body());
    assertEquals("", note.body());
    assertEquals("asked by phone", onlyConn(id).getString("note"));
  }

  @Test
  void listingsPageAndFilterByTimeAndType() throws Exception {
    String id = "560000001";
    for (int i = 0; i < 5; i++) {
      post("/api/audit/conn", withSession(common(id, 100 + i).put("action", "new"), Integer.toString(i)));
      post("/api/audit/conn", withSession(common(id, 100 + i).put("peer", new JsonArray().add("1").add("x"))
          .put("type", i % 2), Integer.toString(i)));
    }
    JsonObject first = list("conn?device=" + id + "&pageSize=2&current=1");
    assertEquals(5, first.getLong("total"));
    assertEquals(2, first.getJsonArray("data").size());
    JsonObject last = list("conn?device=" + id + "&pageSize=2&current=3");
    assertEquals(1, last.getJsonArray("data").size());
    assertEquals(3, list("conn?device=" + id + "&conn_type=0").getLong("total"));
    assertEquals(0, list("conn?device=" + id + "&created_at=" + enc("2999-01-01 00:00:00.000")).getLong("total"));
    assertEquals(5, list("conn?device=" + id + "&created_at=" + enc("2020-01-01 00:00:00.000")).getLong("total"));
    assertEquals(0, list("conn?device=" + id + "&created_before=2020-01-01").getLong("total"));
    JsonObject item = first.getJsonArray("data").getJsonObject(0);
    assertNull(item.getValue("end_time"), "still open");
  }

  @Test
  void aCsvExportCarriesEveryRowOfTheListing() throws Exception {
    String id = "570000001";
    for (int i = 0; i < 3; i++) {
      post("/api/audit/conn", withSession(common(id, i).put("action", "new").put("ip", "=cmd|' /C calc'!A0"), MAX_U64));
    }
    Answer csv = api.get("/api/audits/conn?format=csv&device=" + id, ApiClient.bearerOnly(admin));
    assertEquals(200, csv.status());
    assertTrue(csv.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertEquals(4, lines.length, csv.body());
    assertTrue(lines[0].startsWith("guid,created_at,end_time,id,"), lines[0]);
    assertTrue(lines[1].contains("," + MAX_U64 + ","), lines[1]);
    assertTrue(lines[1].contains(",'=cmd|' /C calc'!A0,"), "a formula is defused: " + lines[1]);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
