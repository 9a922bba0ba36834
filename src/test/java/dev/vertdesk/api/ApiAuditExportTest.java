package dev.vertdesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.db.Database;
import dev.vertdesk.testing.ApiClient;
import dev.vertdesk.testing.Devices;
import dev.vertdesk.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV export of a large listing over HTTP: every row once, in order, streamed (chunked, no
 * length known in advance), with the filters of the listing applied.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiAuditExportTest {

  @TempDir
  Path dataDir;

  @Test
  void aLargeListingIsStreamedWholeAsCsv() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      Database db = Devices.api(node).db();
      int rows = 30_000;
      long now = System.currentTimeMillis();
      List<Object[]> conns = new ArrayList<>();
      for (int i = 0; i < rows; i++) {
        conns.add(new Object[] {String.format("c-%06d", i), now - i, now, i % 2 == 0 ? "800000001" : "800000002", i,
            Long.toUnsignedString(-1L - i), "203.0.113." + (i % 250), i % 5});
      }
      db.inTransaction(tx -> tx.batch("insert into audit_conn (guid, created_at, updated_at, device_id, conn_id,"
          + " session_id, ip, conn_type, from_device) values (?, ?, ?, ?, ?, ?, ?, ?, 1)", conns))
          .await(60, TimeUnit.SECONDS);
      String token = Devices.apiToken(node, "admin", "audit");
      HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
      HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + node.port("api") + "/api/audits/conn?format=csv&device=800000001"))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, res.statusCode());
      assertTrue(res.headers().firstValue("Content-Length").isEmpty(), "streamed, not built whole");
      Set<String> guids = new HashSet<>();
      String previous = null;
      int lines = 0;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
        assertTrue(in.readLine().startsWith("guid,created_at,"));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines++;
          String guid = line.substring(0, line.indexOf(','));
          assertTrue(guids.add(guid), "once: " + guid);
          assertTrue(previous == null || guid.compareTo(previous) > 0, "newest first");
          previous = guid;
          assertTrue(line.contains(",800000001,"), line);
        }
      }
      assertEquals(rows / 2, lines);
      // the largest session id of the batch comes out exactly
      assertTrue(guids.contains("c-000000"));
      String first = new ApiClient(node.port("api")).get("/api/audits/conn?format=csv&device=800000001",
          ApiClient.bearerOnly(token)).body().split("\r\n")[1];
      assertTrue(first.contains(",18446744073709551615,"), first);
    }
  }
}
