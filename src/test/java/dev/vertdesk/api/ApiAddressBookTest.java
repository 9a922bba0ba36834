package dev.vertdesk.api;

import static dev.vertdesk.api.AdminCalls.empty;
import static dev.vertdesk.api.AdminCalls.ok;
import static dev.vertdesk.api.AdminCalls.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The personal address book as the client uses it ({@code rustdesk/rustdesk:
 * flutter/lib/models/ab_model.dart}): its exact requests, with the Rust stack's and Dart's
 * headers, and the answers read the way it reads them: actions 200 with an exactly empty body,
 * pages with an integer {@code total} walked while {@code current * pageSize < total}, peer fields
 * strings, tag colours unsigned. Then the legacy whole-book API, and a server with personal books off.
 */
class ApiAddressBookTest {

  /** The client's peer fields that must be strings or null (peer_model.dart). */
  static final List<String> STRING_FIELDS = List.of("id", "hash", "password", "username", "hostname", "platform",
      "alias", "rdpPort", "rdpUsername", "loginName", "device_group_name");

  @TempDir
  static Path dataDir;

  static TestNode node;
  static AdminCalls calls;
  static ApiClient api;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    calls = new AdminCalls(node);
    api = calls.api;
    admin = calls.adminToken();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A new user, signed in as the client signs in. */
  static String signedIn(String name) throws Exception {
    calls.createUser(admin, name, name + "-password");
    return calls.login(name, name + "-password");
  }

  /** An empty POST as the AB model sends it: no body (Content-Length: 0). */
  static Answer emptyPost(String path, String token) throws Exception {
    return api.send("POST", path, null, ApiClient.rust(token));
  }

  /** Every peer of a book, pulled as ab_model.dart pulls: pages of 100 while current * 100 < total. */
  static List<JsonObject> pull(String book, String token) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    long total = 0;
    for (int current = 1; ; current++) {
      JsonObject page = ok(emptyPost("/api/ab/peers?current=" + current + "&pageSize=100&ab=" + book, token)).json();
      assertTrue(page.containsKey("total"), page.encode());
      Object t = page.getValue("total");
      assertTrue(t instanceof Integer || t instanceof Long, "total is an integer: " + t);
      if (total == 0) {
        total = ((Number) t).longValue();
      }
      page.getJsonArray("data").forEach(o -> out.add(asClientReads((JsonObject) o)));
      if (current * 100L >= total) {
        return out;
      }
    }
  }

  /** Checks a peer the way Peer.fromJson reads it (a wrong type fails the whole pull). */
  static JsonObject asClientReads(JsonObject peer) {
    for (String key : STRING_FIELDS) {
      Object v = peer.getValue(key);
      assertTrue(v == null || v instanceof String, key + " must be a string or null: " + peer.encode());
    }
    Object tags = peer.getValue("tags");
    assertTrue(tags == null || tags instanceof JsonArray, peer.encode());
    Object relay = peer.getValue("forceAlwaysRelay");
    assertTrue(relay == null || relay.equals("true") || relay.equals("false"), peer.encode());
    Object same = peer.getValue("same_server");
    assertTrue(same == null || same instanceof Boolean, peer.encode());
    return peer;
  }

  static JsonObject byId(List<JsonObject> peers, String id) {
    return peers.stream().filter(p -> p.getString("id").equals(id)).findFirst().orElse(null);
  }

  @Test
  void thePersonalBookWorksAsTheClientUsesIt() throws Exception {
    String token = signedIn("ab-alice");
    JsonObject personal = ok(emptyPost("/api/ab/personal", token)).json();
    String book = personal.getString("guid");
    assertInstanceOf(String.class, book);
    assertEquals(book, ok(emptyPost("/api/ab/personal", token)).json().getString("guid"), "the same book");
    assertEquals(20000, ok(emptyPost("/api/ab/settings", token)).json().getInteger("max_peer_one_ab"));
    JsonObject profiles = ok(emptyPost("/api/ab/shared/profiles?current=1&pageSize=100", token)).json();
    assertEquals(0L, profiles.getLong("total"));

    // tags: colours above 2^31 come back exactly, as an integer
    empty(api.post("/api/ab/tag/add/" + book, new JsonObject().put("name", "work").put("color", 4294901760L),
        ApiClient.rust(token)));
    empty(api.post("/api/ab/tag/add/" + book, new JsonObject().put("name", "home").put("color", 4278190335L),
        ApiClient.dart(token)));
    Answer tagsAnswer = ok(emptyPost("/api/ab/tags/" + book, token));
    JsonArray tags = new JsonArray(tagsAnswer.body());
    assertEquals("work", tags.getJsonObject(0).getString("name"));
    assertEquals(4294901760L, tags.getJsonObject(0).getLong("color"));
    assertTrue(tagsAnswer.body().contains("4294901760"), tagsAnswer.body());

    // "Add to address book" from another list: the full Peer.toJson() minus password and hash
    JsonObject full = new JsonObject().put("id", "100000000").put("username", "alice").put("hostname", "pc")
        .put("platform", "Windows").put("alias", "office").put("tags", new JsonArray().add("work"))
        .put("forceAlwaysRelay", "false").put("rdpPort", "").put("rdpUsername", "").put("loginName", "")
        .put("device_group_name", "").put("note", "front desk").putNull("same_server");
    empty(api.post("/api/ab/peer/add/" + book, full, ApiClient.dart(token)));
    // "Add ID": {id, alias, tags} + hash for a personal book; one request per peer
    for (int i = 1; i < 230; i++) {
      empty(api.post("/api/ab/peer/add/" + book, new JsonObject().put("id", String.valueOf(100000000 + i))
          .put("alias", "").put("tags", new JsonArray().add(i % 2 == 0 ? "work" : "home")).put("hash", "h" + i),
          ApiClient.rust(token)));
    }
    List<JsonObject> peers = pull(book, token);
    assertEquals(230, peers.size());
    assertEquals(230, new HashSet<>(peers.stream().map(p -> p.getString("id")).toList()).size(), "each once");
    JsonObject first = byId(peers, "100000000");
    assertEquals("office", first.getString("alias"));
    assertEquals("false", first.getString("forceAlwaysRelay"));
    assertEquals("front desk", first.getString("note"));
    assertEquals("h1", byId(peers, "100000001").getString("hash"));

    // updates: one field each, as the client sends them
    empty(api.send("PUT", "/api/ab/peer/update/" + book, new JsonObject().put("id", "100000000")
        .put("alias", "reception").encode(), ApiClient.rust(token)));
    empty(api.send("PUT", "/api/ab/peer/update/" + book, new JsonObject().put("id", "100000000")
        .put("tags", new JsonArray().add("work").add("home")).encode(), ApiClient.rust(token)));
    empty(api.send("PUT", "/api/ab/peer/update/" + book, new JsonObject().put("id", "100000000")
        .put("username", "bob").put("hostname", "pc2").put("platform", "Linux").encode(), ApiClient.rust(token)));
    JsonObject changed = byId(pull(book, token), "100000000");
    assertEquals("reception", changed.getString("alias"));
    assertEquals(new JsonArray().add("work").add("home"), changed.getJsonArray("tags"));
    assertEquals("pc2", changed.getString("hostname"));
    assertEquals("front desk", changed.getString("note"), "fields not sent stay");

    // a tag renamed or deleted on the server changes the peers: the client re-pulls and relies on it
    empty(api.send("PUT", "/api/ab/tag/rename/" + book, new JsonObject().put("old", "work").put("new", "job").encode(),
        ApiClient.rust(token)));
    empty(api.send("PUT", "/api/ab/tag/update/" + book, new JsonObject().put("name", "job").put("color", 4278255360L)
        .encode(), ApiClient.rust(token)));
    peers = pull(book, token);
    assertEquals(new JsonArray().add("job").add("home"), byId(peers, "100000000").getJsonArray("tags"));
    assertEquals(new JsonArray().add("job"), byId(peers, "100000002").getJsonArray("tags"));
    assertEquals(4278255360L, new JsonArray(ok(emptyPost("/api/ab/tags/" + book, token)).body()).getJsonObject(0)
        .getLong("color"));
    empty(api.send("DELETE", "/api/ab/tag/" + book, new JsonArray().add("job").encode(), ApiClient.rust(token)));
    peers = pull(book, token);
    assertEquals(new JsonArray().add("home"), byId(peers, "100000000").getJsonArray("tags"));
    assertEquals(new JsonArray(), byId(peers, "100000002").getJsonArray("tags"));
    assertEquals(1, new JsonArray(ok(emptyPost("/api/ab/tags/" + book, token)).body()).size());

    // delete: out of the pull, into the recycle bin, and back
    empty(api.send("DELETE", "/api/ab/peer/" + book, new JsonArray().add("100000001").add("100000002").encode(),
        ApiClient.rust(token)));
    assertEquals(228, pull(book, token).size());
    JsonObject bin = ok(emptyPost("/api/ab/recycle-bin?current=1&pageSize=100&ab=" + book, token)).json();
    assertEquals(2L, bin.getLong("total"));
    assertTrue(bin.getJsonArray("data").getJsonObject(0).getLong("expires_at")
        > bin.getJsonArray("data").getJsonObject(0).getLong("deleted_at"));
    empty(api.send("POST", "/api/ab/recycle-bin/restore/" + book, "[\"100000001\"]", ApiClient.rust(token)));
    assertEquals(229, pull(book, token).size());
    refused(api.send("POST", "/api/ab/recycle-bin/restore/" + book, "[\"100000003\"]", ApiClient.rust(token)), 404,
        "not in the bin");
    empty(api.send("DELETE", "/api/ab/recycle-bin/" + book, "[\"100000002\"]", ApiClient.rust(token)));
    assertEquals(0L, ok(emptyPost("/api/ab/recycle-bin?ab=" + book, token)).json().getLong("total"));

    // another user does not reach this book
    String other = signedIn("ab-mallory");
    refused(emptyPost("/api/ab/peers?current=1&pageSize=100&ab=" + book, other), 404, "someone else's book");
    refused(api.post("/api/ab/peer/add/" + book, new JsonObject().put("id", "1"), ApiClient.rust(other)), 404,
        "someone else's book");
    // a failed action is {"error"} the client shows, never an empty 200
    Answer unknownTag = api.send("PUT", "/api/ab/tag/update/" + book, new JsonObject().put("name", "none")
        .put("color", 1).encode(), ApiClient.rust(token));
    refused(unknownTag, 404, "unknown tag");
    // Pro's scripts pull with GET
    assertEquals(229L, ok(api.get("/api/ab/peers?ab=" + book, AdminCalls.scriptGet(token))).json().getLong("total"));
  }

  @Test
  void theLegacyBookRoundTripsAndIsThePersonalOne() throws Exception {
    String token = signedIn("ab-legacy");
    String inner = new JsonObject()
        .put("tags", new JsonArray().add("servers").add("desktops"))
        .put("peers", new JsonArray()
            .add(new JsonObject().put("id", "300000001").put("username", "root").put("hostname", "srv")
                .put("platform", "Linux").put("alias", "db").put("tags", new JsonArray().add("servers"))
                .put("hash", "c2VjcmV0"))
            .add(new JsonObject().put("id", "300000002").put("username", "").put("hostname", "")
                .put("platform", "").put("alias", "").put("tags", new JsonArray())))
        .put("tag_colors", new JsonObject().put("servers", 4294198070L).encode())
        .encode();
    Answer pushed = api.post("/api/ab", new JsonObject().put("data", inner), ApiClient.rust(token));
    assertEquals(200, pushed.status(), pushed.body());
    assertTrue(pushed.body().isEmpty() || pushed.body().equals("null"), pushed.body());

    JsonObject pulled = legacyGet(token);
    assertInstanceOf(String.class, pulled.getValue("data"), "data is a JSON string");
    JsonObject data = new JsonObject(pulled.getString("data"));
    assertEquals(new JsonArray().add("servers").add("desktops"), data.getJsonArray("tags"));
    assertInstanceOf(String.class, data.getValue("tag_colors"), "tag_colors is a JSON string");
    assertEquals(4294198070L, new JsonObject(data.getString("tag_colors")).getLong("servers"));
    JsonObject db = data.getJsonArray("peers").getJsonObject(0);
    assertEquals("c2VjcmV0", db.getString("hash"), "the legacy push keeps hash");
    assertEquals("db", db.getString("alias"));
    assertEquals(new JsonArray().add("servers"), db.getJsonArray("tags"));
    assertEquals(2, data.getJsonArray("peers").size());
    // Sciter's pull
    assertEquals(pulled.getString("data"), ok(api.post("/api/ab/get", new JsonObject(), ApiClient.rust(token))).json()
        .getString("data"));

    // the same book through the current API
    String book = ok(emptyPost("/api/ab/personal", token)).json().getString("guid");
    assertEquals(List.of("300000001", "300000002"), pull(book, token).stream().map(p -> p.getString("id")).toList());

    refused(api.post("/api/ab", new JsonObject().put("data", 42), ApiClient.rust(token)), 400, "data not a string");
    refused(api.post("/api/ab", new JsonObject().put("data", "{\"peers\": 1}"), ApiClient.rust(token)), 400,
        "peers not an array");
    refused(api.post("/api/ab", new JsonObject().put("data", "not json"), ApiClient.rust(token)), 400, "not JSON");
    refused(api.post("/api/ab", new JsonObject().put("data", "[".repeat(5000)), ApiClient.rust(token)), 400, "deep");
    refused(api.post("/api/ab", new JsonObject().put("data", new JsonObject().put("tags", new JsonArray().add("a"))
        .put("tag_colors", "{\"a\": -1}").encode()), ApiClient.rust(token)), 400, "a negative colour");
    assertEquals(2, new JsonObject(legacyGet(token).getString("data")).getJsonArray("peers").size(), "unchanged");
  }

  /** {@code GET /api/ab} with the client's headers, {@code Accept-Encoding: gzip} included. */
  static JsonObject legacyGet(String token) throws Exception {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(api.base + "/api/ab"))
        .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").header("Accept-Encoding", "gzip").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    InputStream in = new ByteArrayInputStream(r.body());
    if (r.headers().firstValue("Content-Encoding").orElse("").equals("gzip")) {
      in = new GZIPInputStream(in);
    }
    return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void withPersonalBooksOffTheClientFallsBackToTheLegacyApi(@TempDir Path otherDir) throws Exception {
    try (TestNode off = TestNode.start(otherDir, new JsonObject().put("addressBooks",
        new JsonObject().put("personal", false)))) {
      AdminCalls offCalls = new AdminCalls(off);
      String token = offCalls.adminToken();
      Answer personal = offCalls.api.send("POST", "/api/ab/personal", null, ApiClient.rust(token));
      refused(personal, 404, "personal books off");
      Answer pushed = offCalls.api.post("/api/ab", new JsonObject().put("data",
          new JsonObject().put("tags", new JsonArray()).put("peers", new JsonArray().add(new JsonObject()
              .put("id", "400000001"))).encode()), ApiClient.rust(token));
      assertEquals(200, pushed.status(), pushed.body());
      JsonObject data = new JsonObject(ok(offCalls.api.get("/api/ab", ApiClient.rust(token))).json().getString("data"));
      assertEquals("400000001", data.getJsonArray("peers").getJsonObject(0).getString("id"));
    }
  }

  @Test
  void nothingIsAnsweredWithoutAValidToken() throws Exception {
    for (String path : new String[] {"/api/ab/personal", "/api/ab/settings", "/api/ab/shared/profiles",
        "/api/ab/peers?ab=x", "/api/ab/tags/x", "/api/ab/get"}) {
      refused(api.send("POST", path, null, ApiClient.rust("forged-token")), 401, path);
      refused(api.send("POST", path, null, ApiClient.rust()), 401, path);
    }
    Answer legacy = api.get("/api/ab", Map.of("Authorization", "Bearer forged"));
    refused(legacy, 401, "legacy");
  }
}
