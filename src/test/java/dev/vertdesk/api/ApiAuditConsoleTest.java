package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.audit.AuditService;
import dev.vertdesk.audit.ConsoleOperation;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.Eventually;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console-operation log (every admin change that succeeded: who, what, from where), the login
 * log's listing, and the events announced for the console, plugins and the webhook.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAuditConsoleTest {

  @TempDir
  Path dataDir;

  @Test
  void adminChangesAreLoggedWithOperatorAndAddressAndAnnounced() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      Queue<JsonObject> events = new ConcurrentLinkedQueue<>();
      for (String address : List.of(Addresses.USER_CHANGED, Addresses.DEVICE_CHANGED, Addresses.AUDIT_RECORDED,
          Addresses.LOGIN_SUCCEEDED, Addresses.LOGIN_FAILED)) {
        node.vertx.eventBus().<JsonObject>consumer(address, m -> events.add(m.body())).completion()
            .await(5, TimeUnit.SECONDS);
      }
      ApiClient api = new ApiClient(node.port("api"));
      String admin = Devices.session(node, "admin");

      Answer created = api.post("/api/users", new JsonObject().put("name", "erin").put("password", "s3cret-Passw0rd"),
          ApiClient.rust(admin));
      assertEquals(200, created.status(), created.body());
      String erin = created.json().getString("guid");
      assertEquals(200, api.send("POST", "/api/users/" + erin + "/disable", null, ApiClient.rust(admin)).status());
      assertEquals(200, api.post("/api/device-groups", new JsonObject().put("name", "lab"), ApiClient.rust(admin))
          .status());
      assertEquals(400, api.post("/api/users", new JsonObject().put("name", "x"), ApiClient.rust(admin)).status(),
          "a refused change");
      String token = Devices.apiToken(node, "admin", "audit");

      Eventually.until(() -> console(api, token).size() == 3, 5000, "three operations logged");
      JsonArray ops = console(api, token);
      JsonObject group = operation(ops, "device-group.create");
      JsonObject disable = operation(ops, "user.disable");
      JsonObject create = operation(ops, "user.create");
      assertEquals("device-group.create", group.getString("operation"));
      assertEquals(0, group.getInteger("typ"));
      assertEquals("lab", group.getString("target"));
      assertEquals("user.disable", disable.getString("operation"));
      assertEquals(erin, disable.getString("target"));
      assertEquals(7, disable.getInteger("iop"), "Pro's code for Disable Users");
      assertEquals("user.create", create.getString("operation"));
      assertEquals(2, create.getInteger("iop"));
      assertEquals(1, create.getInteger("typ"));
      assertEquals("erin", create.getString("target"));
      assertEquals("name,password", create.getString("detail"), "field names, never the password");
      assertFalse(create.encode().contains("s3cret"));
      for (JsonObject op : List.of(group, disable, create)) {
        assertEquals("admin", op.getString("operator"));
        assertEquals("session", op.getString("via"));
        assertEquals("127.0.0.1", op.getString("ip"));
      }
      JsonObject byOperator = api.get("/api/audits/console?operator=%25adm%25&operation=user.%25",
          ApiClient.bearerOnly(token)).json();
      assertEquals(2, byOperator.getLong("total"));

      Eventually.until(() -> events.stream().anyMatch(e -> "user.changed".equals(e.getString("type"))
          && "user.disable".equals(e.getString("operation")) && erin.equals(e.getString("target"))
          && "admin".equals(e.getString("operator"))), 5000, "user.changed announced");
      Eventually.until(() -> events.stream().filter(e -> "audit.recorded".equals(e.getString("type"))
          && "console".equals(e.getString("kind"))).count() == 3, 5000, "audit.recorded for each operation");

      String password = Files.readString(dataDir.resolve("admin-password.txt")).trim();
      assertEquals(401, api.post("/api/login", ApiClient.login("admin", "wrong-password"), ApiClient.rust()).status());
      assertEquals(200, api.post("/api/login", ApiClient.login("admin", password), ApiClient.rust()).status());
      Eventually.until(() -> events.stream().anyMatch(e -> "login.failed".equals(e.getString("type"))
          && "admin".equals(e.getString("name")) && "failure".equals(e.getString("result"))), 5000, "login.failed");
      Eventually.until(() -> events.stream().anyMatch(e -> "login.succeeded".equals(e.getString("type"))
          && "admin".equals(e.getString("user")) && "123456789".equals(e.getString("deviceId"))), 5000,
          "login.succeeded");
      JsonObject failures = api.get("/api/audits/login?name=admin&result=failure", ApiClient.bearerOnly(token)).json();
      assertEquals(1, failures.getLong("total"), failures.encode());
      assertEquals("127.0.0.1", failures.getJsonArray("data").getJsonObject(0).getString("ip"));
      assertTrue(api.get("/api/audits/login?format=csv", ApiClient.bearerOnly(token)).body()
          .startsWith("guid,created_at,name,"));
    }
  }

  @Test
  void accessRefusedAndStrategyChangedCarryTheirDeclaredFields() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      Queue<JsonObject> got = new ConcurrentLinkedQueue<>();
      for (String address : List.of(Addresses.ACCESS_REFUSED, Addresses.STRATEGY_CHANGED)) {
        node.vertx.eventBus().<JsonObject>consumer(address, m -> got.add(m.body())).completion()
            .await(5, TimeUnit.SECONDS);
      }
      node.core().events().accessRefused("203.0.113.4", "123456789", "bob", "not in the device's groups");
      // a strategy an admin creates is announced, and logged as a console operation
      ApiClient api = new ApiClient(node.port("api"));
      String admin = Devices.session(node, "admin");
      Answer created = api.post("/api/strategies", new JsonObject().put("name", "kiosk")
          .put("options", new JsonObject().put("enable-file-transfer", "N")), ApiClient.rust(admin));
      assertEquals(200, created.status(), created.body());
      Eventually.until(() -> got.size() == 2, 5000, "both delivered");
      JsonObject refused = got.stream().filter(e -> "access.refused".equals(e.getString("type"))).findFirst()
          .orElseThrow();
      assertEquals(List.of("type", "ts", "node", "from", "id", "user", "reason"), List.copyOf(refused.fieldNames()));
      JsonObject strategy = got.stream().filter(e -> "strategy.changed".equals(e.getString("type"))).findFirst()
          .orElseThrow();
      assertEquals("create", strategy.getString("operation"));
      assertEquals("kiosk", strategy.getString("strategy"), "the target: the name the body gave");
      assertEquals("admin", strategy.getString("operator"));
      String token = Devices.apiToken(node, "admin", "audit");
      Eventually.until(() -> console(api, token).size() == 1, 5000, "the creation logged");
      // the refusal is an alarm of the device asked for
      Eventually.until(() -> alarms(api, token, "123456789").size() == 1, 5000, "the refusal recorded as an alarm");
      JsonObject alarm = alarms(api, token, "123456789").getJsonObject(0);
      assertEquals(AuditService.ACCESS_REFUSED_ALARM, alarm.getInteger("typ"));
      assertTrue(alarm.getString("info").contains("203.0.113.4"), alarm.encode());
      assertEquals(ConsoleOperation.STRATEGIES, operation(console(api, token), "strategy.create").getInteger("typ"));
    }
  }

  static JsonObject operation(JsonArray ops, String name) {
    for (int i = 0; i < ops.size(); i++) {
      if (name.equals(ops.getJsonObject(i).getString("operation"))) {
        return ops.getJsonObject(i);
      }
    }
    throw new AssertionError(name + " not in " + ops.encode());
  }

  static JsonArray alarms(ApiClient api, String token, String device) {
    try {
      return api.get("/api/audits/alarm?device=" + device, ApiClient.bearerOnly(token)).json().getJsonArray("data");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonArray console(ApiClient api, String token) {
    try {
      return api.get("/api/audits/console", ApiClient.bearerOnly(token)).json().getJsonArray("data");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
