package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.db.Database;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The admin API as Pro's scripts call it ({@code rustdesk/rustdesk: res/users.py},
 * {@code res/user-groups.py}, {@code res/device-groups.py}), for the admin API tests: their exact
 * headers, and the checks they make on the answers.
 */
final class AdminCalls {

  final TestNode node;
  final ApiClient api;

  AdminCalls(TestNode node) {
    this.node = node;
    this.api = new ApiClient(node.port("api"));
  }

  /** The first admin's password, from the data directory. */
  String adminPassword() throws Exception {
    return Files.readString(node.dataDir.resolve("admin-password.txt")).trim();
  }

  /** Signs in as the client does and returns the bearer token. */
  String login(String user, String password) throws Exception {
    Answer a = api.post("/api/login", ApiClient.login(user, password), ApiClient.rust());
    assertEquals(200, a.status(), a.body());
    return a.json().getString("access_token");
  }

  String adminToken() throws Exception {
    return login("admin", adminPassword());
  }

  /** The scripts' GETs and bodiless POSTs: {@code Authorization} only. */
  static Map<String, String> scriptGet(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  /** The scripts' JSON calls: {@code Authorization} and {@code Content-Type: application/json}. */
  static Map<String, String> scriptJson(String token) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Authorization", "Bearer " + token);
    h.put("Content-Type", "application/json");
    return h;
  }

  /** A query string from pairs, encoded as Python's requests encodes {@code params}. */
  static String query(String... pairs) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      b.append(i == 0 ? "?" : "&").append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return b.toString();
  }

  /** A success as the scripts' {@code check_response} sees it: 200, and no {@code error} in a body. */
  static Answer ok(Answer a) {
    assertEquals(200, a.status(), a.body());
    if (!a.body().isBlank()) {
      Object j = io.vertx.core.json.Json.decodeValue(a.body());
      assertFalse(j instanceof JsonObject o && o.containsKey("error"), a.body());
    }
    return a;
  }

  /** An action answered as the client's action calls need it: 200 with an exactly empty body. */
  static void empty(Answer a) {
    assertEquals(200, a.status(), a.body());
    assertEquals("", a.body());
  }

  /** A client error: this status, a JSON object with a string error, nothing of Java in it. */
  static void refused(Answer a, int status, String what) {
    assertEquals(status, a.status(), what + ": " + a.body());
    JsonObject j = new JsonObject(a.body());
    assertTrue(j.getValue("error") instanceof String, what + ": " + a.body());
    for (String internal : List.of("Exception", "java.", "io.vertx", "dev.vertdesk", "jdbc", "SQL", "sqlite")) {
      assertFalse(a.body().contains(internal), what + " leaks " + internal + ": " + a.body());
    }
  }

  /** Creates a user as {@code res/users.py new} does and returns it as listed. */
  JsonObject createUser(String token, JsonObject body) throws Exception {
    return ok(api.post("/api/users", body, scriptJson(token))).json();
  }

  JsonObject createUser(String token, String name, String password) throws Exception {
    return createUser(token, new JsonObject().put("name", name).put("password", password));
  }

  JsonObject createGroup(String token, String base, String name) throws Exception {
    return ok(api.post(base, new JsonObject().put("name", name), scriptJson(token))).json();
  }

  /** Every item of a list, page by page as the scripts walk it; checks {@code total} on each page. */
  List<JsonObject> all(String path, String token, int pageSize, String... filters) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (int current = 1; ; current++) {
      String[] pairs = new String[filters.length + 4];
      System.arraycopy(filters, 0, pairs, 0, filters.length);
      pairs[filters.length] = "pageSize";
      pairs[filters.length + 1] = String.valueOf(pageSize);
      pairs[filters.length + 2] = "current";
      pairs[filters.length + 3] = String.valueOf(current);
      JsonObject page = ok(api.get(path + query(pairs), scriptGet(token))).json();
      assertTrue(page.getValue("total") instanceof Integer || page.getValue("total") instanceof Long,
          "total is an integer: " + page.encode());
      JsonArray data = page.getJsonArray("data");
      data.forEach(o -> out.add((JsonObject) o));
      if (data.size() < pageSize || current * pageSize >= page.getLong("total")) {
        return out;
      }
    }
  }

  /** The names in a list, in order. */
  static List<String> names(List<JsonObject> items) {
    return items.stream().map(o -> o.getString("name")).toList();
  }

  /** The API's database, for what no route of this area writes (devices). */
  Database db() {
    return node.main.api().orElseThrow().db();
  }

  /** A device in the inventory, as the devices' own routes will record it. */
  void insertDevice(String id, String ownerGuid) throws Exception {
    db().update("insert into devices (guid, id, user_guid, created_at) values (?, ?, ?, ?)",
        UUID.randomUUID().toString(), id, ownerGuid, System.currentTimeMillis()).await(10, TimeUnit.SECONDS);
  }

  /** The device group of a device (its name), or {@code null}. */
  String deviceGroupOf(String id) throws Exception {
    return db().first("select g.name from devices d left join device_groups g on g.guid = d.device_group_guid"
        + " where d.id = ?", r -> r.getString("name"), id).await(10, TimeUnit.SECONDS);
  }
}
