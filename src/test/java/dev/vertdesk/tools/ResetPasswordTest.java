package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResetPasswordTest {

  @TempDir
  Path dataDir;

  private String run(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = AdminCli.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8), Map.of());
    return code + "|" + buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLockedOutAdminGetsANewPasswordAndLosesTheOldSessions() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      ApiClient api = new ApiClient(node.port("api"));
      String old = Files.readString(dataDir.resolve("admin-password.txt")).trim();
      String token = api.post("/api/login", ApiClient.login("admin", old), ApiClient.rust()).json().getString("access_token");

      String conf = new JsonObject().put("dataDir", dataDir.toString()).encode();
      String out = run("reset-password", "admin", "-conf", conf);
      assertTrue(out.startsWith("0|new password of admin: "), out);
      String fresh = out.substring(out.indexOf(": ") + 2, out.indexOf('\n')).trim();
      assertTrue(out.contains("1 session(s) ended"), out);

      assertEquals(401, api.post("/api/login", ApiClient.login("admin", old), ApiClient.rust()).status());
      assertEquals(200, api.post("/api/login", ApiClient.login("admin", fresh), ApiClient.rust()).status());
      assertEquals(401, api.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).status(),
          "the old session ended");
    }
    assertTrue(run("reset-password", "nobody", "-conf", new JsonObject().put("dataDir", dataDir.toString()).encode())
        .startsWith("2|error: no user named nobody"));
    assertTrue(run("reset-password").startsWith("1|"));
  }
}
