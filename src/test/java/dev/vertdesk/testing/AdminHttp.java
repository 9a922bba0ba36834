package dev.vertdesk.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/** A blocking client of one node's admin port, and a Prometheus text parser. */
public final class AdminHttp {

  public record Reply(int status, String body, HttpResponse<String> raw) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    /** The result of the first (this) node in a broadcast answer. */
    public JsonObject local() {
      return json().getJsonArray("nodes").getJsonObject(0).getJsonObject("result");
    }
  }

  public final String base;
  public final String token;
  public final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
      .connectTimeout(Duration.ofSeconds(3)).build();

  public AdminHttp(int port, Path dataDir) throws IOException {
    this.base = "http://127.0.0.1:" + port;
    this.token = Files.readString(dataDir.resolve("admin.token")).trim();
  }

  public Reply send(String method, String path, JsonObject body, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  public Reply get(String path) throws Exception {
    return send("GET", path, null, token);
  }

  public Reply put(String path, JsonObject body) throws Exception {
    return send("PUT", path, body, token);
  }

  public Reply post(String path, JsonObject body) throws Exception {
    return send("POST", path, body, token);
  }

  public Reply delete(String path) throws Exception {
    return send("DELETE", path, null, token);
  }

  /** {@code /metrics} as {@code name{labels} → value}, labels as Prometheus prints them. */
  public Map<String, Double> scrape() throws Exception {
    Reply r = send("GET", "/metrics", null, null);
    assertTrue(r.status() == 200, "scrape: HTTP " + r.status());
    Map<String, Double> out = new HashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int sp = line.lastIndexOf(' ');
      out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
    }
    return out;
  }

  public static double value(Map<String, Double> m, String series) {
    return m.getOrDefault(series, 0.0);
  }

  /** Scrapes until {@code ok} holds (events reach the meters asynchronously), at most 5 s. */
  public Map<String, Double> scrapeUntil(Predicate<Map<String, Double>> ok) throws Exception {
    long end = System.nanoTime() + 5_000_000_000L;
    Map<String, Double> m = scrape();
    while (!ok.test(m) && System.nanoTime() < end) {
      Thread.sleep(50);
      m = scrape();
    }
    return m;
  }
}
