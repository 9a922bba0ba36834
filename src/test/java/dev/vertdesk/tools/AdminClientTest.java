package dev.vertdesk.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the admin client's URL and token come from, and how it writes request paths; no server. */
class AdminClientTest {

  @TempDir
  Path dir;

  @Test
  void theUrlIsGivenElseFromTheEnvironmentElseTheDefault() {
    assertEquals("http://h:1", AdminClient.baseUrl("http://h:1//", Map.of("VERTDESK_ADMIN_URL", "http://e:2")));
    assertEquals("http://e:2", AdminClient.baseUrl(null, Map.of("VERTDESK_ADMIN_URL", "http://e:2/")));
    assertEquals(AdminClient.DEFAULT_URL, AdminClient.baseUrl(null, Map.of()));
  }

  @Test
  void aNamedTokenFileWinsOverTheEnvironmentsToken() throws Exception {
    Path file = Files.writeString(dir.resolve("admin.token"), " from-file \n");
    Map<String, String> env = Map.of("VERTDESK_ADMIN_TOKEN", " from-env\n");
    assertEquals(Optional.of("from-file"), AdminClient.findToken(file.toString(), env));
    assertEquals(Optional.of("from-env"), AdminClient.findToken(null, env));
    assertEquals(Optional.of("from-file"), AdminClient.findToken(null, Map.of("VERTDESK_ADMIN_TOKEN_FILE", file.toString())));
    assertEquals(Optional.empty(), AdminClient.findToken(dir.resolve("missing").toString(), env));
    assertEquals(AdminClient.TOKEN_FILES, AdminClient.tokenFiles(null, Map.of()));
  }

  @Test
  void queryValuesAndPathSegmentsAreEncoded() {
    assertEquals("/api/peers", new AdminClient.Query().on("/api/peers"));
    assertEquals("/api/events?type=relay.*%2Cpeer.registered&id=a+b&limit=3",
        new AdminClient.Query().add("type", "relay.*,peer.registered").add("id", "a b").add("limit", 3).on("/api/events"));
    assertEquals("a%20b%2Fc", AdminClient.segment("a b/c"));
    assertEquals(List.of("x"), AdminClient.tokenFiles("x", Map.of("VERTDESK_ADMIN_TOKEN_FILE", "y")));
  }
}
