import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * The audit listing benchmark (bench/audit/run.sh starts the node and runs this): fills the
 * node's SQLite database with audit connection records straight through JDBC, then measures
 * paged and filtered listings over the API against the same statements run straight through
 * JDBC (the same-run reference), and the node's memory while it exports the whole listing as CSV.
 *
 * <p>Arguments: api-port data-dir node-pid rows samples.
 */
public final class AuditBench {

  static final String HOST = "127.0.0.1";
  static final int PAGE = 100;

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path data = Path.of(args[1]);
    long pid = Long.parseLong(args[2]);
    int rows = Integer.parseInt(args[3]);
    int samples = Integer.parseInt(args[4]);
    String jdbc = "jdbc:sqlite:" + data.resolve("db_v2.sqlite3") + "?journal_mode=WAL&busy_timeout=10000";
    long now = System.currentTimeMillis();

    long t0 = System.nanoTime();
    fill(jdbc, rows, now);
    System.err.printf("filled %d rows in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);

    HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
    String token = login(http, port, Files.readString(data.resolve("admin-password.txt")).strip());
    String since = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.ofEpochMilli(now - 15L * 86_400_000));

    Random random = new Random(7);
    try (Connection ref = DriverManager.getConnection(jdbc)) {
      // warm both sides
      for (int i = 0; i < Math.max(20, samples / 5); i++) {
        api(http, port, token, "/api/audits/conn?current=" + (1 + random.nextInt(100)) + "&pageSize=" + PAGE);
        direct(ref, null, null, 0, 1 + random.nextInt(100));
      }
      List<Long> apiPaged = new ArrayList<>();
      List<Long> refPaged = new ArrayList<>();
      List<Long> apiFiltered = new ArrayList<>();
      List<Long> refFiltered = new ArrayList<>();
      for (int i = 0; i < samples; i++) {
        int page = 1 + random.nextInt(100);
        apiPaged.add(time(() -> api(http, port, token, "/api/audits/conn?current=" + page + "&pageSize=" + PAGE)));
        refPaged.add(time(() -> direct(ref, null, null, 0, page)));
      }
      for (int i = 0; i < Math.max(10, samples / 5); i++) {
        String remote = Integer.toString(10 + random.nextInt(90));
        int filteredPage = 1 + random.nextInt(5);
        apiFiltered.add(time(() -> api(http, port, token, "/api/audits/conn?current=" + filteredPage + "&pageSize="
            + PAGE + "&conn_type=1&remote=" + URLEncoder.encode("%" + remote + "%", StandardCharsets.UTF_8)
            + "&created_at=" + URLEncoder.encode(since, StandardCharsets.UTF_8))));
        refFiltered.add(time(() -> direct(ref, "%" + remote + "%", 1, now - 15L * 86_400_000, filteredPage)));
      }
      report("paged listing (pageSize 100, pages 1..100)", apiPaged, refPaged);
      report("filtered listing (remote LIKE, conn_type, created_at; " + apiFiltered.size() + " samples)", apiFiltered, refFiltered);

      long rssBefore = status(pid, "VmRSS:");
      long hwmBefore = status(pid, "VmHWM:");
      long[] exported = new long[2];
      long exportNanos = time(() -> {
        HttpResponse<InputStream> res = http.send(get(port, token, "/api/audits/conn?format=csv"),
            HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = res.body()) {
          byte[] buf = new byte[65536];
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            exported[0] += n;
            for (int i = 0; i < n; i++) {
              if (buf[i] == '\n') {
                exported[1]++;
              }
            }
          }
        }
      });
      long hwmAfter = status(pid, "VmHWM:");
      long refNanos = time(() -> directCsv(ref));
      System.out.printf("csv export: %d lines, %.1f MB in %.1f s (reference JDBC to CSV: %.1f s, ratio %.2f);"
              + " node RSS before %d MB, peak before %d MB, peak after %d MB (growth %d MB)%n",
          exported[1], exported[0] / 1e6, exportNanos / 1e9, refNanos / 1e9, (double) exportNanos / refNanos,
          rssBefore >> 10, hwmBefore >> 10, hwmAfter >> 10, Math.max(0, hwmAfter - Math.max(hwmBefore, rssBefore)) >> 10);
    }
  }

  static void fill(String jdbc, int rows, long now) throws Exception {
    Random r = new Random(42);
    try (Connection c = DriverManager.getConnection(jdbc)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into audit_conn (guid, created_at, updated_at, device_id,"
          + " conn_id, session_id, ip, peer_id, peer_name, conn_type, primary_auth, authorized_at, closed_at,"
          + " from_device) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)")) {
        for (int i = 0; i < rows; i++) {
          long created = now - (long) (r.nextDouble() * 30 * 86_400_000L);
          ps.setString(1, UUID.randomUUID().toString());
          ps.setLong(2, created);
          ps.setLong(3, created);
          ps.setString(4, Integer.toString(100_000_000 + r.nextInt(10_000)));
          ps.setInt(5, r.nextInt(1000));
          ps.setString(6, Long.toUnsignedString(r.nextLong()));
          ps.setString(7, "203.0." + r.nextInt(256) + "." + r.nextInt(256));
          ps.setString(8, Integer.toString(200_000_000 + r.nextInt(10_000)));
          ps.setString(9, "user" + r.nextInt(1000));
          ps.setInt(10, r.nextInt(5));
          ps.setInt(11, 1 + r.nextInt(3));
          ps.setLong(12, created + 1000);
          ps.setLong(13, created + 60_000 + r.nextInt(3_600_000));
          ps.addBatch();
          if (i % 10_000 == 9_999) {
            ps.executeBatch();
            c.commit();
          }
        }
        ps.executeBatch();
        c.commit();
      }
      try (Statement s = c.createStatement()) {
        s.execute("analyze");
      }
      c.commit();
    }
  }

  /** The node's statements, run straight: the count and the page (what AuditListings sends). */
  static void direct(Connection c, String remote, Integer connType, long since, int page) throws Exception {
    String where = remote == null ? "" : " where t.created_at >= ? and lower(t.peer_id) like ? escape '\\'"
        + " and t.conn_type = ?";
    try (PreparedStatement count = c.prepareStatement("select count(*) from audit_conn t" + where);
         PreparedStatement rows = c.prepareStatement("select t.guid, t.created_at, t.device_id, t.device_uuid,"
             + " t.conn_id, t.session_id, t.ip, t.peer_id, t.peer_name, t.conn_type, t.primary_auth, t.two_factor,"
             + " t.conn_audit_ref, t.authorized_at, t.closed_at, t.note, t.from_device, s.kind as route,"
             + " s.relay_server, s.relay_uuid, s.first_end, s.second_end, s.bytes_first_to_second,"
             + " s.bytes_second_to_first, s.duration_ms, s.close_reason from audit_conn t left join"
             + " audit_server_sessions s on s.session_key = t.server_key" + where
             + " order by t.created_at desc, t.guid desc limit ? offset ?")) {
      int i = 1;
      if (remote != null) {
        for (PreparedStatement ps : List.of(count, rows)) {
          ps.setLong(1, since);
          ps.setString(2, remote);
          ps.setInt(3, connType);
        }
        i = 4;
      }
      rows.setInt(i, PAGE);
      rows.setInt(i + 1, (page - 1) * PAGE);
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
      }
      try (ResultSet rs = rows.executeQuery()) {
        while (rs.next()) {
          rs.getString(1);
        }
      }
    }
  }

  static void directCsv(Connection c) throws Exception {
    long bytes = 0;
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("select guid, created_at, closed_at, device_id, conn_id, session_id, ip,"
             + " peer_id, peer_name, conn_type from audit_conn order by created_at desc, guid desc")) {
      StringBuilder line = new StringBuilder();
      while (rs.next()) {
        line.setLength(0);
        for (int i = 1; i <= 10; i++) {
          line.append(rs.getString(i)).append(',');
        }
        bytes += line.length();
      }
    }
    if (bytes == 0) {
      throw new IllegalStateException("nothing read");
    }
  }

  static String login(HttpClient http, int port, String password) throws Exception {
    String body = "{\"username\":\"admin\",\"password\":\"" + password + "\",\"id\":\"123456789\","
        + "\"uuid\":\"MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=\",\"autoLogin\":true,\"type\":\"account\","
        + "\"deviceInfo\":{\"os\":\"linux\",\"type\":\"client\",\"name\":\"bench\"}}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + "/api/login"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("login: " + r.statusCode() + " " + r.body());
    }
    String b = r.body();
    int at = b.indexOf("\"access_token\":\"") + 16;
    return b.substring(at, b.indexOf('"', at));
  }

  static HttpRequest get(int port, String token, String path) {
    return HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + port + path))
        .header("Authorization", "Bearer " + token).build();
  }

  static void api(HttpClient http, int port, String token, String path) throws Exception {
    HttpResponse<byte[]> r = http.send(get(port, token, path), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
    }
  }

  interface Work {
    void run() throws Exception;
  }

  static long time(Work w) throws Exception {
    long t = System.nanoTime();
    w.run();
    return System.nanoTime() - t;
  }

  static void report(String what, List<Long> api, List<Long> ref) {
    double a50 = pct(api, 50);
    double a99 = pct(api, 99);
    double r50 = pct(ref, 50);
    double r99 = pct(ref, 99);
    System.out.printf("%s: API p50 %.2f ms p99 %.2f ms; JDBC p50 %.2f ms p99 %.2f ms; ratio p50 %.2f p99 %.2f%n",
        what, a50, a99, r50, r99, a50 / r50, a99 / r99);
  }

  static double pct(List<Long> nanos, int p) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1)) / 1e6;
  }

  static long status(long pid, String key) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }
}
