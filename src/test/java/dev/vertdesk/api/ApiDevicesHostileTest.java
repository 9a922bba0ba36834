package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input on every device route: malformed, mistyped, oversized and deeply nested bodies,
 * SQL-like filters and paths, forged and expired tokens, users where admins belong, and a flood
 * of heartbeats for devices nobody registered. The answer is always a 4xx JSON error or a normal
 * answer, never a 5xx; the inventory is intact and logging in still works afterwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiDevicesHostileTest {

  @TempDir
  static Path dataDir;

  static TestNode node;
  static ApiClient api;
  static String admin;
  static String token;
  static UdpDevice device;
  static String guid;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, new JsonObject().put("verticles", new JsonObject()
        .put("api", new JsonObject().put("config", new JsonObject().put("maxBodyBytes", 65536)))));
    api = new ApiClient(node.port("api"));
    admin = Devices.session(node, "admin");
    token = Devices.apiToken(node, "admin", "devices");
    device = Devices.register(node, "440000001");
    assertEquals("SYSINFO_UPDATED", api.post("/api/sysinfo", Devices.sysinfo(device.id, device.uuid),
        ApiClient.rust()).body());
    guid = api.get("/api/devices?id=" + device.id, ApiClient.bearerOnly(admin)).json().getJsonArray("data")
        .getJsonObject(0).getString("guid");
  }

  @AfterAll
  static void stop() throws Exception {
    device.close();
    node.close();
  }

  /**
   * A client error: 4xx, a JSON object with a string error, nothing of Java or the database in it
   * (field names such as modified_at may appear, so "at " alone is no sign of a stack trace).
   */
  static void clientError(Answer a, String what) {
    assertTrue(a.status() >= 400 && a.status() < 500, what + ": HTTP " + a.status() + " " + a.body());
    JsonObject j = new JsonObject(a.body());
    assertTrue(j.getValue("error") instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "\tat ", "jdbc", "SQL",
        "sqlite", "postgres")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }

  /** Every route that reads a body, with a caller allowed to reach that reading. */
  static List<String[]> bodyRoutes() {
    return List.of(new String[] {"/api/heartbeat", null}, new String[] {"/api/sysinfo", null},
        new String[] {"/api/devices/deploy", token}, new String[] {"/api/devices/cli", token},
        new String[] {"/api/devices/" + guid + "/assign", admin});
  }

  static Map<String, String> headers(String bearer) {
    return bearer == null ? ApiClient.rust() : ApiClient.rust(bearer);
  }

  @Test
  void malformedBodiesOfEveryShapeAreRefusedPlainly() throws Exception {
    Map<String, String> bodies = Map.of(
        "array", "[1, 2]", "string", "\"440000001\"", "number", "42", "null", "null",
        "truncated", "{\"id\": \"440000001\", \"uu", "garbage", "\u0000\u0001not json",
        "deep", "{\"a\":".repeat(200) + "1" + "}".repeat(200),
        "deep array", "{\"a\":" + "[".repeat(50_000));
    for (String[] route : bodyRoutes()) {
      for (var e : bodies.entrySet()) {
        clientError(api.send("POST", route[0], e.getValue(), headers(route[1])), route[0] + " with " + e.getKey());
      }
      Answer big = api.send("POST", route[0], "{\"id\": \"" + "9".repeat(100_000) + "\"}", headers(route[1]));
      assertEquals(413, big.status(), route[0]);
      clientError(big, route[0] + " 100 kB");
    }
  }

  @Test
  void fieldsOfTheWrongTypeOrSizeAreRefused() throws Exception {
    JsonObject beat = Devices.heartbeat(device.id, device.uuid);
    List<JsonObject> heartbeats = List.of(beat.copy().put("id", 440000001), beat.copy().put("uuid", 12),
        beat.copy().put("uuid", "!!not base64!!"), beat.copy().putNull("uuid"),
        beat.copy().put("id", ""), beat.copy().put("id", "9".repeat(101)), beat.copy().put("conns", "1,2"),
        beat.copy().put("conns", new JsonArray().add(1.5)), beat.copy().put("conns", new JsonArray().add(1L << 40)),
        beat.copy().put("conns", new JsonArray().add("1")), beat.copy().put("conns", new JsonObject()),
        beat.copy().put("conns", new JsonArray(new ArrayList<>(java.util.Collections.nCopies(2000, 1)))),
        beat.copy().put("ver", "1.4.9"), beat.copy().put("modified_at", "0"), beat.copy().put("uuid", "A".repeat(3000)));
    for (JsonObject body : heartbeats) {
      Answer a = api.post("/api/heartbeat", body, ApiClient.rust());
      clientError(a, "heartbeat " + body.encode().substring(0, Math.min(120, body.encode().length())));
      assertEquals(400, a.status());
    }
    JsonObject info = Devices.sysinfo(device.id, device.uuid);
    for (JsonObject body : List.of(info.copy().put("hostname", 5), info.copy().put("os", new JsonObject()),
        info.copy().put("hostname", "h".repeat(10_000)), info.copy().put("preset-user-name", new JsonArray()),
        info.copy().put("uuid", "%%%"), info.copy().put("id", 440000001))) {
      clientError(api.post("/api/sysinfo", body, ApiClient.rust()), "sysinfo " + body.fieldNames());
    }
    JsonObject cli = new JsonObject().put("id", device.id).put("uuid", Devices.uuid(device.uuid));
    for (JsonObject body : List.of(cli.copy().put("note", 5), cli.copy().put("user_name", new JsonArray()),
        cli.copy().put("uuid", "***").put("note", "x"), cli.copy().put("note", "n".repeat(5000)),
        cli.copy().put("colour", "blue"), cli.copy().put("id", 7).put("note", "x"))) {
      clientError(api.post("/api/devices/cli", body, ApiClient.rust(token)), "cli " + body.fieldNames());
    }
    String assign = "/api/devices/" + guid + "/assign";
    for (JsonObject body : List.of(new JsonObject().put("type", 1).put("value", "x"),
        new JsonObject().put("type", "note").put("value", new JsonArray()),
        new JsonObject().put("type", "user_name").put("value", "u".repeat(200)),
        new JsonObject().put("type", "device_name").put("value", "\u0000"),
        new JsonObject().put("type", "' or 1=1 --").put("value", "x"))) {
      clientError(api.post(assign, body, ApiClient.rust(admin)), "assign " + body.encode());
    }
    assertEquals("", api.get("/api/devices?id=" + device.id, ApiClient.bearerOnly(admin)).json().getJsonArray("data")
        .getJsonObject(0).getString("note"), "nothing was assigned");
  }

  @Test
  void sqlLikeFiltersAndPathsAreOnlyPatternsAndNames() throws Exception {
    long users = Devices.api(node).accounts().users().count().await(10, TimeUnit.SECONDS);
    for (String filter : List.of("' or 1=1 --", "%' union select guid from users --", "\\", "\"", "%_%",
        "'; drop table devices; --", "\u0000", "é%", "-")) {
      for (String key : List.of("id", "device_name", "user_name", "group_name", "device_group_name")) {
        Answer a = api.get("/api/devices?" + key + "=" + URLEncoder.encode(filter, StandardCharsets.UTF_8),
            ApiClient.bearerOnly(admin));
        assertEquals(200, a.status(), key + "=" + filter + ": " + a.body());
        assertTrue(a.json().getValue("total") instanceof Integer, a.body());
      }
    }
    Answer everything = api.get("/api/devices?id=%25", ApiClient.bearerOnly(admin));
    assertEquals(1, everything.json().getLong("total"), "the inventory is intact");
    assertEquals(users, Devices.api(node).accounts().users().count().await(10, TimeUnit.SECONDS));

    for (String q : List.of("current=0", "current=-1", "current=abc", "current=99999999999", "pageSize=0",
        "pageSize=1001", "pageSize=1e3", "pageSize=", "id=" + "x".repeat(300))) {
      Answer a = api.get("/api/devices?" + q, ApiClient.bearerOnly(admin));
      if (q.equals("pageSize=")) {
        assertEquals(200, a.status(), "an empty value is the default");
      } else {
        clientError(a, q);
      }
    }
    for (String path : List.of("' or 1=1 --", "%", "x".repeat(1000), "..%2F..%2Fetc")) {
      String p = "/api/devices/" + URLEncoder.encode(path, StandardCharsets.UTF_8).replace("+", "%20");
      Answer a = api.send("POST", p + "/disable", null, ApiClient.bearerOnly(admin));
      clientError(a, "disable " + path);
      assertEquals(404, a.status(), a.body());
      clientError(api.send("DELETE", p, null, ApiClient.bearerOnly(admin)), "delete " + path);
    }
    assertEquals(1, api.get("/api/devices", ApiClient.bearerOnly(admin)).json().getLong("total"), "nothing deleted");
  }

  @Test
  void tokensThatAreNotAdminsOrDeviceTokensAreRefusedOnEveryRoute() throws Exception {
    Devices.user(node, "mallory");
    String user = Devices.session(node, "mallory");
    List<String[]> calls = List.of(new String[] {"GET", "/api/devices", null},
        new String[] {"POST", "/api/devices/" + guid + "/disable", null},
        new String[] {"POST", "/api/devices/" + guid + "/enable", null},
        new String[] {"DELETE", "/api/devices/" + guid, null},
        new String[] {"POST", "/api/devices/" + guid + "/assign", "{\"type\": \"note\", \"value\": \"owned\"}"},
        new String[] {"POST", "/api/devices/deploy", "{\"id\": \"440000001\", \"uuid\": \"AA==\", \"pk\": \"AA==\"}"},
        new String[] {"POST", "/api/devices/cli", "{\"id\": \"440000001\", \"uuid\": \"AA==\", \"note\": \"owned\"}"});
    Map<String, Integer> bearers = Map.of(user, 403, "forged", 401, "' or 1=1 --", 401, "x".repeat(300), 401, "", 401);
    for (String[] call : calls) {
      for (var b : bearers.entrySet()) {
        Answer a = api.send(call[0], call[1], call[2], Map.of("Authorization", "Bearer " + b.getKey(),
            "Content-Type", "application/json"));
        clientError(a, call[0] + " " + call[1] + " as " + b.getKey());
        assertEquals((int) b.getValue(), a.status(), call[1]);
      }
      clientError(api.send(call[0], call[1], call[2], ApiClient.rust()), call[1] + " without a token");
    }
    JsonObject item = api.get("/api/devices?id=" + device.id, ApiClient.bearerOnly(admin)).json()
        .getJsonArray("data").getJsonObject(0);
    assertEquals(1, item.getValue("status"));
    assertEquals("", item.getString("note"));
  }

  @Test
  void aFloodOfHeartbeatsForUnknownDevicesHarmsNoOne() throws Exception {
    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger serverErrors = new AtomicInteger();
    List<CompletableFuture<Void>> floods = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int lane = c;
      floods.add(CompletableFuture.runAsync(() -> {
        for (int i = 0; flooding.get(); i++) {
          String id = "9" + lane + String.format("%08d", i);
          HttpRequest r = HttpRequest.newBuilder(URI.create(api.base + "/api/heartbeat"))
              .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(Devices.heartbeat(id, Devices.machineUid(id)).encode())).build();
          try {
            HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() >= 500) {
              serverErrors.incrementAndGet();
            } else {
              assertEquals("{}", resp.body());
            }
            answered.incrementAndGet();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      }));
    }
    try {
      while (answered.get() < 500) {
        Thread.sleep(20);
      }
      // the registered device is answered as ever, promptly, during the flood
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        Answer a = api.post("/api/heartbeat", Devices.heartbeat(device.id, device.uuid), ApiClient.rust());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals("{}", a.body());
        assertTrue(millis < 1000, "answered within 1 s during the flood: " + millis + " ms");
      }
    } finally {
      flooding.set(false);
    }
    for (CompletableFuture<Void> f : floods) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertEquals(0, serverErrors.get());
    assertEquals(1, api.get("/api/devices?id=%25", ApiClient.bearerOnly(admin)).json().getLong("total"),
        "nothing stored for devices nobody registered");
    String password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
    assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status(),
        "logging in still works");
  }
}
