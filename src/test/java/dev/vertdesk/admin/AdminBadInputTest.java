package dev.vertdesk.admin;

import dev.vertdesk.testing.AdminHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vertdesk.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin API under bodies it cannot use: every endpoint that reads a body answers each JSON
 * type that is not an object, an empty, truncated, nested or oversized body with a 4xx and a JSON
 * error naming no internals, and logs nothing for it; a command that fails on the node for a
 * reason of its own is a 5xx that says nothing of the cause, logged once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminBadInputTest {

  /** Every endpoint that reads a body. */
  static final List<String[]> BODY_ENDPOINTS = List.of(
      new String[] {"PUT", "/api/relay-servers"},
      new String[] {"PUT", "/api/always-use-relay"},
      new String[] {"PUT", "/api/relay/limits"},
      new String[] {"POST", "/api/relay/blacklist"},
      new String[] {"DELETE", "/api/relay/blacklist"},
      new String[] {"POST", "/api/relay/blocklist"},
      new String[] {"DELETE", "/api/relay/blocklist"});

  /** What a Java class, module or exception looks like in an answer. */
  static final Pattern INTERNALS = Pattern.compile(
      "java\\.|javax\\.|io\\.vertx|io\\.netty|com\\.fasterxml|dev\\.vertdesk|Exception|Error\\b|class |module |"
          + "\\bat [a-z]+\\.|Source: ");

  @TempDir
  static Path dataDir;
  static TestNode node;
  static AdminHttp admin;
  ListAppender<ILoggingEvent> logged;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir);
    admin = new AdminHttp(node.port("admin"), dataDir);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @BeforeEach
  void captureLogs() {
    logged = new ListAppender<>();
    logged.start();
    root().addAppender(logged);
  }

  @AfterEach
  void releaseLogs() {
    root().detachAppender(logged);
  }

  static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** Lines at WARN or above, from anywhere, while the test ran. */
  List<ILoggingEvent> warnings() {
    return logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
  }

  AdminHttp.Reply send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin.base + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + admin.token)
        .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (!body.isEmpty()) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = admin.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new AdminHttp.Reply(r.statusCode(), r.body(), r);
  }

  /** A 4xx (or {@code status} exactly) with {"error": "..."} and nothing of the implementation in it. */
  static void assertClientError(int status, AdminHttp.Reply r, String what) {
    assertEquals(status, r.status(), what + ": " + r.body());
    assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
    JsonObject error = new JsonObject(r.body());
    assertEquals(1, error.size(), what + ": " + r.body());
    assertFalse(error.getString("error", "").isBlank(), what + ": " + r.body());
    assertFalse(INTERNALS.matcher(r.body()).find(), what + " names internals: " + r.body());
  }

  @Test
  void bodiesThatAreNotJsonObjectsAre400sEverywhere() throws Exception {
    String[] bodies = {
        "[1, 2]", "[]", "\"servers\"", "42", "-1.5e300", "true", "false", "null",  // every other JSON type
        "{\"servers\": [\"a.example\"", "{\"ips\": ", "{", "[",                     // truncated
        "not json", "{\"a\": 1} trailing", "\u0000\u0001",                          // not JSON at all
        "[".repeat(5000) + "]".repeat(5000),                                        // nested past the parser's limit
    };
    for (String[] e : BODY_ENDPOINTS) {
      for (String body : bodies) {
        String what = e[0] + " " + e[1] + " " + (body.length() > 40 ? body.substring(0, 40) + "..." : body);
        assertClientError(400, send(e[0], e[1], body), what);
      }
    }
    assertEquals(List.of(), warnings(), "client errors are not logged as problems");
  }

  @Test
  void anEmptyBodyIsA400WhereABodyIsNeeded() throws Exception {
    for (String[] e : BODY_ENDPOINTS) {
      assertClientError(400, send(e[0], e[1], ""), e[0] + " " + e[1] + " with no body");
    }
    // a DELETE may put its argument in the query instead
    assertEquals(200, send("DELETE", "/api/relay/blacklist?all=true", "").status());
    assertEquals(List.of(), warnings());
  }

  @Test
  void objectsWithTheWrongFieldsAre400s() throws Exception {
    assertClientError(400, send("PUT", "/api/relay-servers", "{}"), "no servers");
    assertClientError(400, send("PUT", "/api/relay-servers", "{\"servers\": {\"a\": 1}}"), "servers an object");
    assertClientError(400, send("PUT", "/api/always-use-relay", "{\"value\": [true]}"), "value a list");
    assertClientError(400, send("PUT", "/api/relay/limits", "{\"totalBandwidth\": \"fast\"}"), "a word for a number");
    assertClientError(400, send("POST", "/api/relay/blacklist", "{\"ips\": [1, 2]}"), "numbers for addresses");
    assertClientError(400, send("POST", "/api/relay/blocklist", "{\"ips\": \"not-an-ip\"}"), "a name for an address");
    assertClientError(400, send("DELETE", "/api/relay/blocklist", "{\"all\": \"yes\", \"ips\": null}"), "all a word");
    assertClientError(400, send("GET", "/api/ip-blocker?limit=lots", ""), "a word in the query");
    assertEquals(List.of(), warnings());
  }

  @Test
  void aBodyOverTheLimitIsA413() throws Exception {
    String big = "{\"ips\": [\"" + "1".repeat(64 * 1024) + "\"]}";
    for (String[] e : BODY_ENDPOINTS) {
      assertClientError(413, send(e[0], e[1], big), e[0] + " " + e[1] + " with a 64 KiB body");
    }
    // the same without a Content-Length: counted as it streams in
    HttpRequest chunked = HttpRequest.newBuilder(URI.create(admin.base + "/api/relay/blacklist"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + admin.token)
        .POST(HttpRequest.BodyPublishers.ofInputStream(
            () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))).build();
    HttpResponse<String> r = admin.http.send(chunked, HttpResponse.BodyHandlers.ofString());
    assertClientError(413, new AdminHttp.Reply(r.statusCode(), r.body(), r), "a chunked 64 KiB body");
    assertEquals(List.of(), warnings());
  }

  @Test
  void aCommandThatFailsOnTheNodeSaysNothingOfWhy() throws Exception {
    // the blacklist file cannot be written: it is a directory
    Path file = dataDir.resolve("blacklist.txt");
    Files.createDirectory(file);
    try {
      for (int i = 0; i < 3; i++) {
        AdminHttp.Reply r = send("POST", "/api/relay/blacklist", "{\"ips\": [\"203.0.113.9\"]}");
        assertTrue(r.status() >= 500, r.status() + " " + r.body());
        assertFalse(INTERNALS.matcher(r.body()).find(), "a 5xx names internals: " + r.body());
        assertFalse(r.body().contains(dataDir.toString()), "a 5xx names a path: " + r.body());
      }
      List<ILoggingEvent> lines = warnings().stream()
          .filter(e -> e.getLoggerName().startsWith("dev.vertdesk.admin")).toList();
      assertEquals(1, lines.size(), "three failures, one line: " + lines);
      assertEquals(null, lines.get(0).getThrowableProxy(), "one line, no stack trace");
    } finally {
      Files.delete(file);
    }
  }
}
