package dev.vertdesk.identity;

import static dev.vertdesk.api.ApiErrors.clientError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.accounts.User;
import dev.vertdesk.crypto.Argon2id;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.ApiClient.Answer;
import dev.vertdesk.testing.TestDirectory;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Password logins checked by an LDAP directory (a real protocol server in this JVM): a directory
 * user gets an account at the first login, admin-group members become admins (and stop being
 * when they leave the group), a wrong password is answered and throttled exactly like a wrong
 * local one, a local password is never overridden by the directory, and a directory that is
 * down or silent gets a clear answer in bounded time.
 */
class LdapLoginTest {

  @TempDir
  static Path dataDir;

  static TestDirectory directory;
  static TestNode node;
  static ApiClient api;
  static String adminPassword;

  @BeforeAll
  static void start() throws Exception {
    directory = new TestDirectory();
    directory.addUser("alice", "alice-pw", "alice@example.com", "Alice Liddell");
    directory.addUser("bob", "bob-pw", "bob@example.com", "Bob");
    directory.addUser("carol", "carol-pw", "carol@example.com", "Carol");
    directory.addUser("dave", "dave-directory-pw", "dave@example.com", "Dave");
    directory.addUser("erin", "erin-pw", "erin@example.com", "Erin");
    directory.addUser("frank", "frank-pw", "frank@example.com", "Frank");
    directory.addAdmin("bob");
    node = TestNode.start(dataDir, ldap(directory.searchConfig()));
    api = new ApiClient(node.port("api"));
    adminPassword = Files.readString(dataDir.resolve("admin-password.txt")).trim();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    directory.close();
  }

  static JsonObject ldap(JsonObject ldap) {
    return new JsonObject().put("accounts", new JsonObject().put("ldap", ldap));
  }

  static User user(TestNode node, String name) throws Exception {
    return node.main.api().orElseThrow().accounts().users().byName(name).await(5, TimeUnit.SECONDS);
  }

  static Answer login(ApiClient api, String name, String password) throws Exception {
    return api.post("/api/login", ApiClient.login(name, password), ApiClient.rust());
  }

  @Test
  void aDirectoryUserGetsAnAccountAtTheFirstLoginAndNoPasswordIsStored() throws Exception {
    Answer first = login(api, "alice", "alice-pw");
    assertEquals(200, first.status(), first.body());
    assertEquals("access_token", first.json().getString("type"));
    JsonObject payload = first.json().getJsonObject("user");
    assertEquals("alice", payload.getString("name"));
    assertEquals("alice@example.com", payload.getString("email"));
    assertEquals("Alice Liddell", payload.getString("display_name"));
    assertFalse(payload.getBoolean("is_admin"));
    assertTrue(payload.getValue("info") instanceof JsonObject);
    String token = first.json().getString("access_token");
    assertEquals("alice", api.post("/api/currentUser", new JsonObject(), ApiClient.rust(token)).json().getString("name"));
    User stored = user(node, "alice");
    assertNull(stored.passwordHash(), "the directory keeps the password");

    Answer again = login(api, "ALICE", "alice-pw");
    assertEquals(200, again.status(), again.body());
    assertEquals(stored.guid(), user(node, "alice").guid(), "the second login finds the same user");
  }

  @Test
  void adminGroupMembersAreAdminsForAsLongAsTheyAreMembers() throws Exception {
    Answer member = login(api, "bob", "bob-pw");
    assertEquals(200, member.status(), member.body());
    assertTrue(member.json().getJsonObject("user").getBoolean("is_admin"));
    directory.removeAdmin("bob");
    Answer former = login(api, "bob", "bob-pw");
    assertEquals(200, former.status(), former.body());
    assertFalse(former.json().getJsonObject("user").getBoolean("is_admin"), "left the group, lost the rights");
    assertFalse(user(node, "bob").admin());
    directory.addAdmin("bob");
  }

  @Test
  void aWrongDirectoryPasswordIsAnsweredAndThrottledLikeAWrongLocalOne() throws Exception {
    Answer local = login(api, "admin", "not-the-password");
    Answer ldap = login(api, "carol", "not-carols-password");
    Answer nobody = login(api, "nobody-anywhere", "whatever");
    assertEquals(local.status(), ldap.status());
    assertEquals(local.body(), ldap.body());
    assertEquals(local.body(), nobody.body());
    assertEquals("Wrong username or password", ldap.error());
    assertEquals(200, login(api, "admin", adminPassword).status(), "a success clears admin's count");

    Answer last = ldap;
    int throttledAfter = -1;
    for (int i = 1; i < 8 && throttledAfter < 0; i++) {
      last = login(api, "carol", "still-wrong");
      if (last.status() == 429) {
        throttledAfter = i;
      }
    }
    assertEquals(3, throttledAfter, "the 4th attempt waits, as for a local account: " + last.body());
    assertEquals(429, login(api, "carol", "carol-pw").status(), "even the right password waits");
  }

  @Test
  void aLocalPasswordIsNeverOverriddenByTheDirectory() throws Exception {
    node.main.api().orElseThrow().accounts().users().create("dave", Argon2id.hash("dave-local-pw"), false, "", "")
        .await(5, TimeUnit.SECONDS);
    assertEquals(401, login(api, "dave", "dave-directory-pw").status());
    assertEquals(200, login(api, "dave", "dave-local-pw").status());
  }

  @Test
  void aNameOfSomeoneElseHereIsNotTakenOver() throws Exception {
    // erin signs in through another provider: no password here, no link to the directory's erin
    node.main.api().orElseThrow().accounts().users().create("erin", null, false, "", "")
        .await(5, TimeUnit.SECONDS);
    Answer a = login(api, "erin", "erin-pw");
    clientError(a, "someone else's name");
    assertEquals(403, a.status());
    assertTrue(a.error().contains("another account"), a.body());
  }

  @Test
  void namesThatLookLikeFiltersAreJustNames() throws Exception {
    for (String name : List.of("*", "alice)(uid=*", "al*", "alice)(|(uid=*", "\\2a", "uid=alice,ou=people")) {
      Answer a = login(api, name, "alice-pw");
      clientError(a, "name " + name);
      assertEquals(401, a.status(), name);
    }
    assertEquals(200, login(api, "frank", "frank-pw").status(), "logins still work");
  }

  @Test
  void directBindWithADnPattern() throws Exception {
    try (TestNode direct = TestNode.start(Files.createTempDirectory(dataDir, "direct"), ldap(new JsonObject()
        .put("enabled", true).put("url", directory.url())
        .put("userDnPattern", "uid={username},ou=people," + TestDirectory.BASE)
        .put("adminGroup", TestDirectory.ADMINS)))) {
      ApiClient client = new ApiClient(direct.port("api"));
      Answer a = login(client, "alice", "alice-pw");
      assertEquals(200, a.status(), a.body());
      assertEquals("alice@example.com", a.json().getJsonObject("user").getString("email"));
      assertEquals(401, login(client, "alice", "wrong").status());
      assertEquals(401, login(client, "alice,ou=people", "alice-pw").status(), "escaped into the DN");
    }
  }

  @Test
  void withoutAccountCreationAnUnknownDirectoryUserIsRefusedPlainly() throws Exception {
    try (TestNode closed = TestNode.start(Files.createTempDirectory(dataDir, "closed"),
        ldap(directory.searchConfig().put("createUsers", false)))) {
      Answer a = login(new ApiClient(closed.port("api")), "alice", "alice-pw");
      clientError(a, "no account");
      assertEquals(403, a.status());
      assertTrue(a.error().contains("no account here"), a.body());
      assertNull(user(closed, "alice"));
    }
  }

  @Test
  void aDirectoryThatIsDownOrSilentGetsAClearAnswerInBoundedTime() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept()); // accepts and never answers
          }
        } catch (Exception closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      for (int port : new int[] {closedPort, silent.getLocalPort()}) {
        Path dir = Files.createTempDirectory(dataDir, "down");
        try (TestNode down = TestNode.start(dir, ldap(directory.searchConfig().put("url", "ldap://127.0.0.1:" + port)
            .put("connectTimeoutMillis", 500).put("responseTimeoutMillis", 500)))) {
          ApiClient client = new ApiClient(down.port("api"));
          long started = System.nanoTime();
          Answer a = login(client, "alice", "alice-pw");
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
          clientError(a, "directory down on port " + port);
          assertEquals(424, a.status(), a.body());
          assertEquals("The directory server cannot be reached; try again later", a.error());
          assertTrue(millis < 5000, "answered in " + millis + " ms");
          String password = Files.readString(dir.resolve("admin-password.txt")).trim();
          assertEquals(200, login(client, "admin", password).status(), "local accounts still sign in");
        }
      }
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
