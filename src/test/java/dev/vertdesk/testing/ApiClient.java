package dev.vertdesk.testing;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Talks to the API port as the RustDesk client does: exact methods, headers and bodies, and the
 * raw answer (status, body text) so that tests read it the way the client parses it.
 */
public final class ApiClient {

  /** An answer: the status and the body text exactly as sent. */
  public record Answer(int status, String body, HttpResponse<String> raw) {

    /** The body as a JSON object (fails the test if it is not one). */
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String error() {
      return json().getString("error");
    }
  }

  public final String base;
  private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
      .connectTimeout(Duration.ofSeconds(5)).build();

  public ApiClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** The headers of the client's Rust HTTP stack: {@code Content-Type: application/json} only. */
  public static Map<String, String> rust() {
    return Map.of("Content-Type", "application/json");
  }

  /** The Rust stack with a bearer token. */
  public static Map<String, String> rust(String token) {
    Map<String, String> h = new LinkedHashMap<>(rust());
    h.put("Authorization", "Bearer " + token);
    return h;
  }

  /** Dart's package:http 1.4, which appends {@code ; charset=utf-8} to a JSON body's type. */
  public static Map<String, String> dart(String token) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json; charset=utf-8");
    if (token != null) {
      h.put("Authorization", "Bearer " + token);
    }
    return h;
  }

  /** The group pulls: only the bearer token, no Content-Type. */
  public static Map<String, String> bearerOnly(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  public Answer post(String path, JsonObject body, Map<String, String> headers) throws Exception {
    return send("POST", path, body == null ? null : body.encode(), headers);
  }

  public Answer get(String path, Map<String, String> headers) throws Exception {
    return send("GET", path, null, headers);
  }

  /** Any method, any body text (or none), any headers. */
  public Answer send(String method, String path, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(b::header);
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Answer(r.statusCode(), r.body(), r);
  }

  /** The client's password-step login body. */
  public static JsonObject login(String user, String password) {
    return new JsonObject().put("username", user).put("password", password).put("id", "123456789")
        .put("uuid", "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=").put("autoLogin", true).put("type", "account")
        .put("deviceInfo", new JsonObject().put("os", "linux").put("type", "client").put("name", "test-host"));
  }
}
