package dev.vertdesk.tools;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admin API's HTTP client, on the JDK's {@link HttpClient}: where the URL and the token come
 * from, the requests, and the API's errors as {@link ApiException}. Answers are JSON objects; their
 * text is {@link AdminFormat}'s business.
 */
final class AdminClient {

  static final String DEFAULT_URL = "http://127.0.0.1:21120";
  static final List<String> TOKEN_FILES = List.of("admin.token", "/var/lib/vertdesk/admin.token");

  /** The API refused or failed a request, or did not answer with JSON. */
  static final class ApiException extends RuntimeException {
    ApiException(String message) {
      super(message);
    }
  }

  /** An answer whose HTTP status is the caller's to judge. */
  record Answer(int status, JsonObject body) {
  }

  private final String baseUrl;
  /** Null for requests that need none (the health checks). */
  private final String token;
  private final Duration timeout;
  private final HttpClient http;

  AdminClient(String baseUrl, String token, long timeoutMillis) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.timeout = Duration.ofMillis(timeoutMillis);
    this.http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofMillis(Math.min(timeoutMillis, 5000))).build();
  }

  /** {@code url}, else $VERTDESK_ADMIN_URL, else {@link #DEFAULT_URL}; without trailing slashes. */
  static String baseUrl(String url, Map<String, String> env) {
    return (url != null ? url : env.getOrDefault("VERTDESK_ADMIN_URL", DEFAULT_URL)).replaceAll("/+$", "");
  }

  /**
   * $VERTDESK_ADMIN_TOKEN unless a token file is named, else the content of the first of
   * {@link #tokenFiles} that exists; empty if none does.
   */
  static Optional<String> findToken(String tokenFile, Map<String, String> env) throws IOException {
    if (tokenFile == null && env.get("VERTDESK_ADMIN_TOKEN") != null) {
      return Optional.of(env.get("VERTDESK_ADMIN_TOKEN").trim());
    }
    for (String file : tokenFiles(tokenFile, env)) {
      Path p = Path.of(file);
      if (Files.isRegularFile(p)) {
        try {
          return Optional.of(Files.readString(p, StandardCharsets.UTF_8).trim());
        } catch (AccessDeniedException e) {
          throw new ApiException("cannot read " + p + ": permission denied (run as the server's user, e.g. sudo -u vertdesk)");
        }
      }
    }
    return Optional.empty();
  }

  /** Where the token is looked for: {@code tokenFile}, else $VERTDESK_ADMIN_TOKEN_FILE, else {@link #TOKEN_FILES}. */
  static List<String> tokenFiles(String tokenFile, Map<String, String> env) {
    return tokenFile != null ? List.of(tokenFile)
        : env.get("VERTDESK_ADMIN_TOKEN_FILE") != null ? List.of(env.get("VERTDESK_ADMIN_TOKEN_FILE")) : TOKEN_FILES;
  }

  /** URL-encoded query parameters, in the order added. */
  static final class Query {
    private final StringBuilder parameters = new StringBuilder();

    Query add(String name, Object value) {
      parameters.append(parameters.isEmpty() ? '?' : '&').append(name).append('=')
          .append(URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8));
      return this;
    }

    /** {@code path} with these parameters, if any. */
    String on(String path) {
      return path + parameters;
    }
  }

  /** {@code s} URL-encoded as one path segment (where a space is %20, not +). */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  JsonObject get(String path) throws IOException, InterruptedException {
    return call(request(path).GET());
  }

  JsonObject put(String path, JsonObject body) throws IOException, InterruptedException {
    return call(withBody("PUT", path, body));
  }

  JsonObject post(String path, JsonObject body) throws IOException, InterruptedException {
    return call(withBody("POST", path, body));
  }

  /** A DELETE, with {@code body} if not null. */
  JsonObject delete(String path, JsonObject body) throws IOException, InterruptedException {
    return call(body == null ? request(path).DELETE() : withBody("DELETE", path, body));
  }

  /** A GET whatever its status, e.g. the health checks, which answer 503 with the same JSON. */
  Answer getAnswer(String path) throws IOException, InterruptedException {
    HttpResponse<String> resp = send(request(path).GET());
    return new Answer(resp.statusCode(), parse(resp.body()));
  }

  /**
   * Opens the Server-Sent Events at {@code path}. No time limit: a follow lasts as long as the
   * user lets it.
   */
  EventStream follow(String path) throws IOException, InterruptedException {
    HttpRequest req = authorized(request(path)).header("Accept", "text/event-stream").GET().build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    if (resp.statusCode() != 200) {
      String body = new String(resp.body().readAllBytes(), StandardCharsets.UTF_8);
      throw new ApiException("HTTP " + resp.statusCode() + ": " + errorOf(body));
    }
    return new EventStream(new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8)));
  }

  /** The events of a followed stream, read one at a time. */
  static final class EventStream implements AutoCloseable {
    private final BufferedReader in;

    private EventStream(BufferedReader in) {
      this.in = in;
    }

    /** The next event's data, or null once the stream ends; reads no further than that event. */
    JsonObject next() throws IOException {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          return parse(line.substring(6));
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(baseUrl + path));
  }

  private HttpRequest.Builder withBody(String method, String path, JsonObject body) {
    return request(path).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.encode()));
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(authorized(b).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private JsonObject call(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> resp = send(b);
    if (resp.statusCode() == 401) {
      throw new ApiException("the API refused the token (HTTP 401); use the admin.token of the node's data directory");
    }
    if (resp.statusCode() >= 400) {
      throw new ApiException("HTTP " + resp.statusCode() + ": " + errorOf(resp.body()));
    }
    return parse(resp.body());
  }

  /** The API's error message in an error answer: its own, else the first node's, else the whole body. */
  private static String errorOf(String body) {
    try {
      JsonObject o = new JsonObject(body);
      if (o.getString("error") != null) {
        return o.getString("error");
      }
      JsonArray nodes = o.getJsonArray("nodes");
      if (nodes != null && !nodes.isEmpty()) {
        return nodes.getJsonObject(0).getString("error", body);
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      return body;
    }
  }

  private static JsonObject parse(String body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException e) {
      throw new ApiException("not a JSON answer: " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
    }
  }
}
