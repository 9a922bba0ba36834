import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client side of bench/ab/run.sh (JDK only): pulls an address book exactly as the RustDesk
 * client does (flutter/lib/models/ab_model.dart: POST /api/ab/peers?current=&pageSize=100&ab=,
 * empty body, Bearer and Content-Type headers, pages while current * 100 < total) on one
 * keep-alive connection, and times each whole pull.
 *
 *   java AbPull fill <host> <port> <token> <peers>          the personal book, by the legacy push
 *   java AbPull book <host> <port> <token>                  prints the personal book's guid
 *   java AbPull dump <host> <port> <token> <book> <file>    one pull's pages, one a line
 *   java AbPull pull <host> <port> <token> <book> <warm> <pulls> <peers>
 *       prints pulls= p50_ms= p99_ms= min_ms= max_ms= bytes= errors=
 */
public final class AbPull {

  private static final Pattern TOTAL = Pattern.compile("\"total\":(\\d+)");
  private static final Pattern GUID = Pattern.compile("\"guid\":\"([^\"]+)\"");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();

  private AbPull() {
  }

  public static void main(String[] a) throws Exception {
    String base = "http://" + a[1] + ":" + a[2];
    String token = a[3];
    switch (a[0]) {
      case "fill" -> fill(base, token, Integer.parseInt(a[4]));
      case "book" -> {
        Matcher m = GUID.matcher(post(base + "/api/ab/personal", token, null).body());
        if (!m.find()) {
          throw new IllegalStateException("no personal book");
        }
        System.out.println(m.group(1));
      }
      case "dump" -> Files.write(Path.of(a[5]), pull(base, token, a[4], -1).pages, StandardCharsets.UTF_8);
      case "pull" -> bench(base, token, a[4], Integer.parseInt(a[5]), Integer.parseInt(a[6]), Integer.parseInt(a[7]));
      default -> throw new IllegalArgumentException(a[0]);
    }
  }

  /** The whole book in one legacy push ({"data": "<JSON string>"}), as an older client saves it. */
  private static void fill(String base, String token, int peers) throws Exception {
    StringBuilder tags = new StringBuilder("[");
    StringBuilder colors = new StringBuilder("{");
    for (int t = 0; t < 10; t++) {
      tags.append(t == 0 ? "" : ",").append("\"tag").append(t).append('"');
      colors.append(t == 0 ? "" : ",").append("\"tag").append(t).append("\":").append(4278190080L + t * 1000);
    }
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < peers; i++) {
      list.append(i == 0 ? "" : ",").append("{\"id\":\"").append(100_000_000 + i)
          .append("\",\"username\":\"user").append(i).append("\",\"hostname\":\"host-").append(i)
          .append("\",\"platform\":\"Linux\",\"alias\":\"peer ").append(i).append("\",\"tags\":[\"tag")
          .append(i % 10).append("\"],\"hash\":\"aGFzaGhhc2hoYXNoaGFzaA==\"}");
    }
    String inner = "{\"tags\":" + tags.append(']') + ",\"peers\":" + list.append(']') + ",\"tag_colors\":"
        + quote(colors.append('}').toString()) + "}";
    HttpResponse<String> r = post(base + "/api/ab", token, "{\"data\":" + quote(inner) + "}");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("fill: HTTP " + r.statusCode() + " " + r.body());
    }
  }

  /** A JSON string literal of {@code s} (which holds no control characters). */
  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private record Pull(long nanos, long bytes, List<String> pages, boolean ok) {
  }

  /** One whole pull; {@code expected} peers (or -1: any). */
  private static Pull pull(String base, String token, String book, int expected) throws Exception {
    long t0 = System.nanoTime();
    long bytes = 0;
    long total = 0;
    int seen = 0;
    boolean ok = true;
    List<String> pages = new ArrayList<>();
    for (int current = 1; ; current++) {
      HttpResponse<String> r = post(base + "/api/ab/peers?current=" + current + "&pageSize=100&ab=" + book, token, null);
      String body = r.body();
      bytes += body.length();
      pages.add(body);
      ok &= r.statusCode() == 200;
      Matcher m = TOTAL.matcher(body);
      if (!m.find()) {
        return new Pull(System.nanoTime() - t0, bytes, pages, false);
      }
      if (total == 0) {
        total = Long.parseLong(m.group(1));
      }
      seen += count(body, "\"id\":");
      if (current * 100L >= total) {
        break;
      }
    }
    return new Pull(System.nanoTime() - t0, bytes, pages, ok && (expected < 0 || (seen == expected && total == expected)));
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }

  private static void bench(String base, String token, String book, int warm, int pulls, int peers) throws Exception {
    for (int i = 0; i < warm; i++) {
      pull(base, token, book, peers);
    }
    double[] ms = new double[pulls];
    long bytes = 0;
    int errors = 0;
    for (int i = 0; i < pulls; i++) {
      Pull p = pull(base, token, book, peers);
      ms[i] = p.nanos() / 1e6;
      bytes = p.bytes();
      errors += p.ok() ? 0 : 1;
    }
    Arrays.sort(ms);
    System.out.printf("pulls=%d p50_ms=%.1f p99_ms=%.1f min_ms=%.1f max_ms=%.1f bytes=%d errors=%d%n", pulls,
        quantile(ms, 0.50), quantile(ms, 0.99), ms[0], ms[ms.length - 1], bytes, errors);
  }

  /** Nearest-rank quantile. */
  private static double quantile(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static HttpResponse<String> post(String url, String token, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }
}
