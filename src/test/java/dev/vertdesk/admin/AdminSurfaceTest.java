package dev.vertdesk.admin;

import static dev.vertdesk.testing.AdminHttp.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.AdminHttp;
import dev.vertdesk.testing.RelayPeer;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin surface of one node with Prometheus metrics, driven by real traffic on loopback:
 * counters move by exact amounts, the event stream delivers in order, and every admin change
 * changes what the servers do. Each device uses its own loopback address, so the per-IP
 * registration limit (3 here) only bites where a test wants it to.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminSurfaceTest {

  @TempDir
  static Path dataDir;
  static TestNode node;
  static AdminHttp admin;
  static String key;
  static final AtomicInteger nextIp = new AtomicInteger(1);

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.startWithMetrics(dataDir, new JsonObject()
        .put("limits", new JsonObject().put("ipMaxPerWindow", 3))
        .put("verticles", new JsonObject().put("relay", new JsonObject().put("config", new JsonObject()
            .put("pairTimeoutSeconds", 3).put("idleTimeoutSeconds", 5)))), Map.of());
    admin = new AdminHttp(node.port("admin"), dataDir);
    key = node.core().keys().validationKey().orElseThrow();
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** A loopback address no other device of this class uses. */
  static String ip() {
    return "127.0.1." + nextIp.getAndIncrement();
  }

  static String id() {
    return "9" + (100_000_000 + (int) (Math.random() * 800_000_000));
  }

  UdpDevice device(String id, String ip) throws Exception {
    return new UdpDevice(id, ("uuid-" + id).getBytes(), Nacl.signKeyPair().publicKey(), node.port("udp"), ip);
  }

  static RendezvousMessage punch(String id) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(key).setVersion("1.4.2")).build();
  }

  /** Pairs two relay ends, sends {@code ab} bytes one way and {@code ba} back, then hangs up. */
  static void relaySession(String uuid, int ab, int ba) throws Exception {
    try (RelayPeer a = new RelayPeer(node.port("relay"), ip(), uuid, key);
         RelayPeer b = new RelayPeer(node.port("relay"), ip(), uuid, key)) {
      byte[] x = new byte[ab];
      Arrays.fill(x, (byte) 'x');
      a.write(x);
      assertArrayEquals(x, b.read(ab));
      byte[] y = new byte[ba];
      Arrays.fill(y, (byte) 'y');
      b.write(y);
      assertArrayEquals(y, a.read(ba));
    }
  }

  @Test
  void countersMoveByExactlyWhatHappened() throws Exception {
    Map<String, Double> before = admin.scrape();
    String created = "vertdesk_registrations_total{result=\"created\"}";
    String mismatch = "vertdesk_registrations_total{result=\"uuid-mismatch\"}";
    String rejectedMismatch = "vertdesk_rejections_total{reason=\"uuid-mismatch\",surface=\"udp\"}";
    String ipLimit = "vertdesk_limiter_hits_total{limiter=\"ip\"}";
    String notExist = "vertdesk_punch_requests_total{outcome=\"id_not_exist\"}";
    String punched = "vertdesk_punch_requests_total{outcome=\"punch\"}";
    String sessions = "vertdesk_relay_sessions_total";
    String bytes = "vertdesk_relay_bytes_total";
    String registeredEvents = "vertdesk_events_total{type=\"peer.registered\"}";

    // 1 new device, then another machine claiming its ID
    String b = id();
    String bIp = ip();
    try (UdpDevice dev = device(b, bIp);
         UdpDevice thief = new UdpDevice(b, "other-uuid".getBytes(), Nacl.signKeyPair().publicKey(),
             node.port("udp"), ip())) {
      assertEquals(Result.OK, dev.registerPk());
      assertEquals(Result.UUID_MISMATCH, thief.registerPk());
      // 3 more new devices from one address, and a 4th refused by the per-IP limit
      String crowded = ip();
      for (int i = 0; i < 3; i++) {
        try (UdpDevice d = device(id(), crowded)) {
          assertEquals(Result.OK, d.registerPk());
        }
      }
      try (UdpDevice d = device(id(), crowded)) {
        assertEquals(Result.TOO_FREQUENT, d.registerPk());
      }
      // a punch request for an unknown ID, one for the online device
      try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
        a.send(punch("nobody-" + id()));
        assertEquals(UnionCase.PUNCH_HOLE_RESPONSE, a.read().getUnionCase());
      }
      try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
        a.send(punch(b));
        assertNotNull(dev.receive(UnionCase.PUNCH_HOLE), "B is told to punch");
      }
    }
    // one relay session: 1000 bytes one way, 500 the other
    relaySession(UUID.randomUUID().toString(), 1000, 500);

    Map<String, Double> after = admin.scrapeUntil(m -> value(m, sessions) > value(before, sessions)
        && value(m, bytes) >= value(before, bytes) + 1500 && value(m, punched) > value(before, punched)
        && value(m, "vertdesk_relay_sessions_active") == 0);
    assertEquals(4, value(after, created) - value(before, created), "4 devices registered");
    assertEquals(4, value(after, registeredEvents) - value(before, registeredEvents));
    assertEquals(1, value(after, mismatch) - value(before, mismatch));
    assertEquals(1, value(after, rejectedMismatch) - value(before, rejectedMismatch));
    assertEquals(1, value(after, ipLimit) - value(before, ipLimit));
    assertEquals(1, value(after, "vertdesk_registrations_total{result=\"ip-rate\"}")
        - value(before, "vertdesk_registrations_total{result=\"ip-rate\"}"));
    assertEquals(1, value(after, notExist) - value(before, notExist));
    assertEquals(1, value(after, punched) - value(before, punched));
    assertEquals(1, value(after, sessions) - value(before, sessions));
    assertEquals(1500, value(after, bytes) - value(before, bytes), "bytes relayed, both ways");
    assertEquals(node.core().registry().size(), value(after, "vertdesk_peers_registered"));
    assertEquals(node.core().registry().onlineCount(), value(after, "vertdesk_peers_online"));
    assertEquals(1, value(after, "vertdesk_cluster_members"));
    // Vert.x's own series: the event bus by address, HTTP and net servers
    assertTrue(after.containsKey("vertx_eventbus_handlers{address=\"vertdesk.event.peer.registered\"}"), after.keySet().toString());
    assertTrue(value(after, "vertx_eventbus_published_total{address=\"vertdesk.event.peer.registered\",side=\"local\"}") >= 4);
    assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("vertx_http_server_requests_total")));
    assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("vertx_net_server_")), "net server series");
  }

  @Test
  void vertxDatagramSeriesCountTheRegistrationSocket() throws Exception {
    // the registration socket is a Netty channel of Vert.x's transport; it feeds Vert.x's own
    // datagram metrics, so vertx_datagram_* cover it as they would a Vert.x DatagramSocket
    Map<String, Double> before = admin.scrape();
    RendezvousMessage heartbeat = RendezvousMessage.newBuilder().setRegisterPeer(
        dev.vertdesk.proto.RegisterPeer.newBuilder().setId("unknown-" + id()).setSerial(3)).build();
    int in = heartbeat.toByteArray().length;
    int out = dev.vertdesk.protocol.Envelopes.registerPeerResponse(true).toByteArray().length;
    try (UdpDevice d = device("unused", ip())) {
      for (int i = 0; i < 7; i++) {
        d.send(heartbeat);
        assertEquals(UnionCase.REGISTER_PEER_RESPONSE, d.receive().getUnionCase());
      }
    }
    Map<String, Double> after = admin.scrape();
    assertEquals(7, value(after, "vertx_datagram_bytes_read_count") - value(before, "vertx_datagram_bytes_read_count"));
    assertEquals(7.0 * in, value(after, "vertx_datagram_bytes_read_sum") - value(before, "vertx_datagram_bytes_read_sum"));
    assertEquals(7, value(after, "vertx_datagram_bytes_written_count") - value(before, "vertx_datagram_bytes_written_count"));
    assertEquals(7.0 * out, value(after, "vertx_datagram_bytes_written_sum") - value(before, "vertx_datagram_bytes_written_sum"));
  }

  @Test
  void theApiNeedsTheTokenFromTheDataDirectory() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("admin.token"))));
    AdminHttp.Reply none = admin.send("GET", "/api/status", null, null);
    assertEquals(401, none.status());
    assertTrue(none.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
    assertEquals(401, admin.send("GET", "/api/status", null, "not-the-token").status());
    assertEquals(401, admin.send("PUT", "/api/always-use-relay", new JsonObject().put("value", true), "x").status());
    assertFalse(node.rendezvous().alwaysUseRelay().get(), "a refused change changes nothing");
    assertEquals(401, admin.send("POST", "/api/relay/blocklist", new JsonObject().put("ips", new JsonArray().add("127.0.0.99")), null).status());
    assertFalse(Files.exists(dataDir.resolve("blocklist.txt")) && Files.readString(dataDir.resolve("blocklist.txt")).contains("127.0.0.99"));
    AdminHttp.Reply ok = admin.get("/api/status");
    assertEquals(200, ok.status());
    assertEquals(node.core().nodeId(), ok.local().getString("node"));
    assertEquals(node.port("admin"), ok.local().getJsonObject("ports").getInteger("admin"));
    // probes and scrapes need no token
    assertEquals(200, admin.send("GET", "/health/live", null, null).status());
    assertEquals(200, admin.send("GET", "/health/ready", null, null).status());
    assertEquals(200, admin.send("GET", "/metrics", null, null).status());
    assertEquals(404, admin.get("/api/nothing-here").status());
    assertEquals(400, admin.put("/api/always-use-relay", new JsonObject().put("value", "maybe")).status());
  }

  @Test
  void theEventStreamDeliversARegistrationThenARelaySessionInOrder() throws Exception {
    BlockingQueue<JsonObject> all = stream("type=peer.registered,relay.session.*");
    String c = id();
    BlockingQueue<JsonObject> onlyC = stream("id=" + c);
    try (UdpDevice dev = device(c, ip())) {
      assertEquals(Result.OK, dev.registerPk());
    }
    String u = UUID.randomUUID().toString();
    relaySession(u, 10, 10);

    JsonObject first = all.poll(5, TimeUnit.SECONDS);
    assertNotNull(first);
    assertEquals("peer.registered", first.getString("type"));
    assertEquals(c, first.getString("id"));
    assertEquals(node.core().nodeId(), first.getString("node"));
    JsonObject opened = all.poll(5, TimeUnit.SECONDS);
    assertNotNull(opened);
    assertEquals("relay.session.opened", opened.getString("type"));
    assertEquals(u, opened.getString("uuid"));
    JsonObject closed = all.poll(5, TimeUnit.SECONDS);
    assertNotNull(closed);
    assertEquals("relay.session.closed", closed.getString("type"));
    assertEquals(20, closed.getLong("bytesFirstToSecond") + closed.getLong("bytesSecondToFirst"));

    JsonObject forC = onlyC.poll(5, TimeUnit.SECONDS);
    assertNotNull(forC);
    assertEquals(c, forC.getString("id"));
    JsonObject next = onlyC.poll(300, TimeUnit.MILLISECONDS);
    assertTrue(next == null || c.equals(next.getString("id")), "the ID filter lets only " + c + " through: " + next);
    // the recent events, filtered the same way
    JsonArray recent = admin.get("/api/events?id=" + c).json().getJsonArray("events");
    assertTrue(recent.stream().allMatch(e -> c.equals(((JsonObject) e).getString("id"))));
    assertTrue(recent.stream().anyMatch(e -> "peer.registered".equals(((JsonObject) e).getString("type"))));
  }

  /** Opens the event stream; a thread parses its {@code data:} lines into the returned queue. */
  static BlockingQueue<JsonObject> stream(String query) throws Exception {
    return stream(admin, query);
  }

  static BlockingQueue<JsonObject> stream(AdminHttp admin, String query) throws Exception {
    BlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    HttpResponse<InputStream> r = admin.http.send(HttpRequest.newBuilder(URI.create(admin.base + "/api/events/stream?" + query))
        .header("Authorization", "Bearer " + admin.token).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    // the first block (a comment) arrives at once: the subscription is live after it
    String line = in.readLine();
    assertTrue(line.startsWith(":"), line);
    Thread t = new Thread(() -> {
      try (in) {
        String l;
        while ((l = in.readLine()) != null) {
          if (l.startsWith("data: ")) {
            q.add(new JsonObject(l.substring(6)));
          }
        }
      } catch (Exception e) {
        // the node stopped
      }
    }, "sse-" + query);
    t.setDaemon(true);
    t.start();
    return q;
  }

  @Test
  void aBlocklistedIpIsRefusedUntilRemoved() throws Exception {
    String bad = ip();
    String rejected = "vertdesk_rejections_total{reason=\"blocklist\",surface=\"relay\"}";
    Map<String, Double> before = admin.scrape();
    AdminHttp.Reply add = admin.post("/api/relay/blocklist", new JsonObject().put("ips", new JsonArray().add(bad)));
    assertEquals(200, add.status(), add.body());
    assertEquals(new JsonArray().add(bad), add.local().getJsonArray("added"));
    assertTrue(Files.readString(dataDir.resolve("blocklist.txt")).lines().anyMatch(bad::equals), "kept in the file");
    assertTrue(admin.get("/api/relay/blocklist?ip=" + bad).local().getBoolean("listed"));
    assertTrue(admin.get("/api/relay/blocklist").local().getJsonArray("entries").contains(bad));

    try (RelayPeer p = new RelayPeer(node.port("relay"), bad, UUID.randomUUID().toString(), key)) {
      assertTrue(p.closedByServer(2000), "a blocklisted address is refused");
    }
    admin.scrapeUntil(m -> value(m, rejected) > value(before, rejected));
    assertEquals(1, value(admin.scrape(), rejected) - value(before, rejected));
    relaySession(UUID.randomUUID().toString(), 5, 5); // others are served

    AdminHttp.Reply removed = admin.delete("/api/relay/blocklist/" + bad);
    assertEquals(new JsonArray().add(bad), removed.local().getJsonArray("removed"));
    assertFalse(admin.get("/api/relay/blocklist?ip=" + bad).local().getBoolean("listed"));
    String u = UUID.randomUUID().toString();
    try (RelayPeer a = new RelayPeer(node.port("relay"), bad, u, key);
         RelayPeer b = new RelayPeer(node.port("relay"), ip(), u, key)) {
      a.write("hi".getBytes());
      assertEquals("hi", new String(b.read(2)), "served again once removed");
    }
  }

  @Test
  void aBandwidthChangeHoldsTheNextSessions() throws Exception {
    int size = 256 * 1024;
    long fast = timedTransfer(size);
    AdminHttp.Reply set = admin.put("/api/relay/limits", new JsonObject().put("singleBandwidth", 1));
    assertEquals(200, set.status(), set.body());
    assertEquals(1.0, set.local().getDouble("singleBandwidth"));
    assertEquals(1.0, admin.get("/api/relay/limits").local().getDouble("singleBandwidth"));
    try {
      long slow = timedTransfer(size);
      // 1 Mb/s = 128 KiB/s with 16 KiB of burst: 256 KiB take at least 1.8 s
      assertTrue(slow > 1500, "held to 1 Mb/s: " + slow + " ms");
      assertTrue(fast < slow / 2, "unlimited " + fast + " ms vs limited " + slow + " ms");
    } finally {
      admin.put("/api/relay/limits", new JsonObject().put("singleBandwidth", 128));
    }
    assertEquals(400, admin.put("/api/relay/limits", new JsonObject().put("limitSpeed", -1)).status());
    assertEquals(400, admin.put("/api/relay/limits", new JsonObject()).status());
  }

  static long timedTransfer(int size) throws Exception {
    return timedTransfer(size, ip(), ip());
  }

  static long timedTransfer(int size, String ipA, String ipB) throws Exception {
    String u = UUID.randomUUID().toString();
    try (RelayPeer a = new RelayPeer(node.port("relay"), ipA, u, key);
         RelayPeer b = new RelayPeer(node.port("relay"), ipB, u, key)) {
      a.write(new byte[1]);
      b.read(1); // paired
      return transfer(a, b, size);
    }
  }

  /** Milliseconds {@code size} bytes take from {@code a} to {@code b}. */
  static long transfer(RelayPeer a, RelayPeer b, int size) throws Exception {
    long t0 = System.nanoTime();
    Thread writer = new Thread(() -> {
      try {
        a.write(new byte[size]);
      } catch (Exception e) {
        // the reader reports it
      }
    });
    writer.start();
    b.socket.setSoTimeout(10_000);
    b.read(size);
    writer.join();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  /** Limits back to hbbr's defaults. */
  static void defaultLimits() throws Exception {
    assertEquals(200, admin.put("/api/relay/limits", new JsonObject().put("totalBandwidth", 1024)
        .put("singleBandwidth", 128).put("limitSpeed", 32).put("downgradeThreshold", 0.66)
        .put("downgradeStartCheck", 1800)).status());
  }

  @Test
  void aTotalBandwidthChangeSlowsTheSessionsAlreadyRunning() throws Exception {
    int size = 256 * 1024;
    String u = UUID.randomUUID().toString();
    try (RelayPeer a = new RelayPeer(node.port("relay"), ip(), u, key);
         RelayPeer b = new RelayPeer(node.port("relay"), ip(), u, key)) {
      a.write(new byte[1]);
      b.read(1);
      long fast = transfer(a, b, size);
      assertEquals(1.0, admin.put("/api/relay/limits", new JsonObject().put("totalBandwidth", 1))
          .local().getDouble("totalBandwidth"));
      long slow = transfer(a, b, size);
      assertTrue(slow > 1500, "the running session is held to 1 Mb/s in all: " + slow + " ms");
      assertTrue(fast < slow / 2, fast + " ms before, " + slow + " ms after");
    } finally {
      defaultLimits();
    }
  }

  @Test
  void aBlacklistedAddressIsHeldToLimitSpeed() throws Exception {
    int size = 256 * 1024;
    String slowIp = ip();
    try {
      assertEquals(200, admin.put("/api/relay/limits", new JsonObject().put("limitSpeed", 1)).status());
      assertEquals(200, admin.post("/api/relay/blacklist", new JsonObject()
          .put("ips", new JsonArray().add(slowIp))).status());
      // the relay re-reads blacklist.txt within accessListPollMillis
      awaitJson("/api/status", j -> j.getJsonArray("nodes").getJsonObject(0).getJsonObject("result")
          .getJsonObject("relay").getInteger("blacklist") >= 1);
      long listed = timedTransfer(size, slowIp, ip());
      long other = timedTransfer(size, ip(), ip());
      assertTrue(listed > 1500, "a blacklisted end: held to LIMIT_SPEED 1 Mb/s: " + listed + " ms");
      assertTrue(other < listed / 2, "others are not: " + other + " ms");
    } finally {
      admin.delete("/api/relay/blacklist/" + slowIp);
      defaultLimits();
    }
  }

  @Test
  void downgradeSettingsDowngradeAFastSession() throws Exception {
    try {
      // a session averaging more than 1% of SINGLE_BANDWIDTH after 1 s is held to LIMIT_SPEED
      assertEquals(200, admin.put("/api/relay/limits", new JsonObject().put("limitSpeed", 1)
          .put("downgradeThreshold", 0.01).put("downgradeStartCheck", 1)).status());
      String u = UUID.randomUUID().toString();
      try (RelayPeer a = new RelayPeer(node.port("relay"), ip(), u, key);
           RelayPeer b = new RelayPeer(node.port("relay"), ip(), u, key)) {
        a.write(new byte[1]);
        b.read(1);
        long fast = transfer(a, b, 1 << 20);
        JsonObject usage = awaitJson("/api/relay/usage", j -> j.getJsonArray("nodes").getJsonObject(0)
            .getJsonObject("result").getJsonArray("sessions").stream()
            .anyMatch(x -> u.equals(((JsonObject) x).getString("uuid")) && ((JsonObject) x).getBoolean("downgraded")));
        JsonObject session = usage.getJsonArray("nodes").getJsonObject(0).getJsonObject("result")
            .getJsonArray("sessions").stream().map(x -> (JsonObject) x)
            .filter(x -> u.equals(x.getString("uuid"))).findFirst().orElseThrow();
        assertTrue(session.getLong("highestBitsPerSecond") >= session.getLong("currentBitsPerSecond")
            && session.getLong("highestBitsPerSecond") > 0, session.encode());
        long slow = transfer(a, b, 256 * 1024);
        assertTrue(slow > 1500, "downgraded to 1 Mb/s: " + slow + " ms");
        assertTrue(fast < slow, "1 MiB took " + fast + " ms before");
      }
    } finally {
      defaultLimits();
    }
  }

  @Test
  void testGeoShowsTheRotation() throws Exception {
    try {
      admin.put("/api/relay-servers", new JsonObject().put("servers", new JsonArray().add("127.0.0.1:1").add("127.0.0.1:2")));
      // both fail their health check alike, so both stay in the rotation; test-geo advances it
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < 4; i++) {
        JsonObject next = admin.get("/api/relay-servers/next?ip=203.0.113.1").json();
        seen.add(next.getString("relay"));
        assertEquals(new JsonArray().add("203.0.113.1"), next.getJsonArray("ips"));
      }
      assertEquals(java.util.Set.of("127.0.0.1:1", "127.0.0.1:2"), seen, "round-robin");
    } finally {
      admin.put("/api/relay-servers", new JsonObject().put("servers", new JsonArray()));
    }
    assertEquals("", admin.get("/api/relay-servers/next").json().getString("relay"), "no relay: clients use their own");
  }

  @Test
  void relayServersAndAlwaysUseRelayChangeWhatDevicesAreTold() throws Exception {
    assertEquals(200, admin.put("/api/relay-servers", new JsonObject()
        .put("servers", new JsonArray().add("r1.example.org:21117"))).status());
    assertEquals(new JsonArray().add("r1.example.org:21117"), admin.get("/api/relay-servers").local().getJsonArray("configured"));
    AdminHttp.Reply aur = admin.put("/api/always-use-relay", new JsonObject().put("value", "Y"));
    assertEquals(200, aur.status(), aur.body());
    assertTrue(aur.local().getBoolean("value"));
    try (UdpDevice dev = device(id(), ip())) {
      assertEquals(Result.OK, dev.registerPk());
      try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
        a.send(punch(dev.id));
        PunchHole ph = dev.receive(UnionCase.PUNCH_HOLE).getPunchHole();
        assertEquals("r1.example.org:21117", ph.getRelayServer());
        assertEquals(NatType.SYMMETRIC, ph.getNatType(), "always-use-relay forces relaying");
      }
      assertFalse(admin.put("/api/always-use-relay", new JsonObject().put("value", false)).local().getBoolean("value"));
      try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
        a.send(punch(dev.id));
        assertEquals(NatType.ASYMMETRIC, dev.receive(UnionCase.PUNCH_HOLE).getPunchHole().getNatType());
      }
    } finally {
      admin.put("/api/relay-servers", new JsonObject().put("servers", new JsonArray()));
    }
  }

  @Test
  void ipBlockerIpChangesAndPunchLog() throws Exception {
    // ip-blocker: one address hits the per-IP limit; lifting it lets the next registration in
    String crowded = ip();
    for (int i = 0; i < 3; i++) {
      try (UdpDevice d = device(id(), crowded)) {
        assertEquals(Result.OK, d.registerPk());
      }
    }
    JsonObject entry = admin.get("/api/ip-blocker/" + crowded).local().getJsonObject("entry");
    assertEquals(3, entry.getInteger("count"));
    assertEquals(3, entry.getInteger("ids"));
    assertTrue(admin.get("/api/ip-blocker?limit=1000").local().getJsonArray("entries").stream()
        .anyMatch(e -> crowded.equals(((JsonObject) e).getString("ip"))));
    try (UdpDevice d = device(id(), crowded)) {
      assertEquals(Result.TOO_FREQUENT, d.registerPk());
      assertTrue(admin.delete("/api/ip-blocker/" + crowded).local().getBoolean("removed"));
      assertNull(admin.get("/api/ip-blocker/" + crowded).local().getValue("entry"));
      assertEquals(Result.OK, d.registerPk(), "the limit is lifted");
    }

    // ip-changes: one device seen from two addresses
    String f = id();
    byte[] pk = Nacl.signKeyPair().publicKey();
    for (String addr : new String[] {ip(), ip()}) {
      try (UdpDevice d = new UdpDevice(f, ("uuid-" + f).getBytes(), pk, node.port("udp"), addr)) {
        assertEquals(Result.OK, d.registerPk());
      }
    }
    JsonObject changes = awaitJson("/api/ip-changes?id=" + f, j -> j.getInteger("total") == 1);
    assertEquals(2, changes.getJsonArray("changes").getJsonObject(0).getJsonObject("ips").size());
    assertEquals(1, admin.delete("/api/ip-changes/" + f).local().getInteger("cleared"));
    assertEquals(0, admin.get("/api/ip-changes?id=" + f).json().getInteger("total"));

    // punch-request log, newest first, then cleared
    String ghost = "ghost-" + id();
    try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
      a.send(punch(ghost));
      a.read();
    }
    JsonObject log = awaitJson("/api/punch-requests?limit=1", j -> !j.getJsonArray("requests").isEmpty()
        && ghost.equals(j.getJsonArray("requests").getJsonObject(0).getString("id")));
    assertEquals("ID_NOT_EXIST", log.getJsonArray("requests").getJsonObject(0).getString("outcome"));
    assertNull(log.getJsonArray("requests").getJsonObject(0).getValue("to"), "nobody was signalled");
    // a punch that reaches a device names where it went (hbbs' "from -> id@to_ip")
    String deviceIp = ip();
    String real = id();
    try (UdpDevice d = device(real, deviceIp); TcpClient a = new TcpClient(node.port("signaling"), ip())) {
      assertEquals(Result.OK, d.registerPk());
      a.send(punch(real));
      assertNotNull(d.receive(UnionCase.PUNCH_HOLE));
    }
    JsonObject punched = awaitJson("/api/punch-requests?limit=1", j -> !j.getJsonArray("requests").isEmpty()
        && real.equals(j.getJsonArray("requests").getJsonObject(0).getString("id")));
    assertEquals(deviceIp, punched.getJsonArray("requests").getJsonObject(0).getString("to"));
    assertTrue(admin.delete("/api/punch-requests").local().getInteger("cleared") >= 1);
    assertEquals(0, admin.get("/api/punch-requests").json().getInteger("total"));
  }

  static JsonObject awaitJson(String path, java.util.function.Predicate<JsonObject> ok) throws Exception {
    long end = System.nanoTime() + 5_000_000_000L;
    JsonObject j = admin.get(path).json();
    while (!ok.test(j) && System.nanoTime() < end) {
      Thread.sleep(50);
      j = admin.get(path).json();
    }
    assertTrue(ok.test(j), path + ": " + j.encode());
    return j;
  }

  @Test
  void peersPeerUsageAndTheEventBusView() throws Exception {
    String g = id();
    try (UdpDevice d = device(g, ip())) {
      assertEquals(Result.OK, d.registerPk());
      JsonObject p = admin.get("/api/peers/" + g).json();
      assertEquals(g, p.getString("id"));
      assertTrue(p.getBoolean("online"));
      assertEquals(d.localPort(), p.getInteger("port"));
      assertEquals(java.util.Base64.getEncoder().encodeToString(d.pk), p.getString("pk"));
      assertEquals(404, admin.get("/api/peers/no-such-" + g).status());
      JsonObject list = admin.get("/api/peers?prefix=" + g + "&online=true").json();
      assertEquals(1, list.getJsonArray("peers").size());
      assertEquals(node.core().registry().size(), list.getInteger("registered"));
    }
    String u = UUID.randomUUID().toString();
    try (RelayPeer a = new RelayPeer(node.port("relay"), ip(), u, key);
         RelayPeer b = new RelayPeer(node.port("relay"), ip(), u, key)) {
      a.write(new byte[100]);
      b.read(100);
      JsonArray sessions = admin.get("/api/relay/usage").local().getJsonArray("sessions");
      JsonObject s = sessions.stream().map(o -> (JsonObject) o).filter(o -> u.equals(o.getString("uuid")))
          .findFirst().orElseThrow();
      assertEquals(100, s.getLong("bytesFirstToSecond"));
    }
    JsonObject bus = admin.get("/api/eventbus").local();
    assertTrue(bus.getBoolean("metrics"));
    JsonObject registered = bus.getJsonArray("addresses").stream().map(o -> (JsonObject) o)
        .filter(o -> "vertdesk.event.peer.registered".equals(o.getString("address"))).findFirst().orElseThrow();
    assertTrue(registered.getInteger("handlers") >= 3, registered.encode());
    assertTrue(registered.getJsonObject("processed").getLong("local") >= 1, registered.encode());
  }

  @Test
  void theGrafanaDashboardPlotsSeriesTheNodeExports() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(Path.of("conf/grafana/vertdesk-dashboard.json")));
    java.util.Set<String> used = new java.util.TreeSet<>();
    java.util.regex.Pattern series = java.util.regex.Pattern.compile("\\b((?:vertdesk|vertx|jvm)_[a-z_]+)");
    for (Object p : dashboard.getJsonArray("panels")) {
      for (Object t : ((JsonObject) p).getJsonArray("targets")) {
        java.util.regex.Matcher m = series.matcher(((JsonObject) t).getString("expr"));
        while (m.find()) {
          used.add(m.group(1));
        }
      }
    }
    assertTrue(used.size() >= 15, used.toString());
    // labelled series exist once something happened: make each happen here, whatever ran before
    String limited = id();
    try (UdpDevice d = device(limited, ip())) {
      Result r = Result.OK;
      for (int i = 0; i < 5 && r == Result.OK; i++) {
        r = d.registerPk(); // a registration, then the per-ID limiter
      }
      assertEquals(Result.TOO_FREQUENT, r);
    }
    try (TcpClient a = new TcpClient(node.port("signaling"), ip())) {
      a.send(punch("ghost-" + id()));
      a.read(); // ID_NOT_EXIST
    }
    try (TcpClient odd = new TcpClient(node.port("signaling"), ip())) {
      odd.send(dev.vertdesk.proto.RendezvousMessage.newBuilder().setRegisterPeerResponse(
          dev.vertdesk.proto.RegisterPeerResponse.newBuilder()).build());
      assertTrue(odd.closedByServer(2000), "a rejection");
    }
    try (TcpClient c = new TcpClient(node.port("signaling"), ip())) {
      // the meters count events from the event bus: they show once those events have arrived
      java.util.Set<String> exported = new java.util.HashSet<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      do {
        exported.clear();
        admin.scrape().keySet().forEach(k -> exported.add(k.contains("{") ? k.substring(0, k.indexOf('{')) : k));
      } while (!exported.containsAll(used) && System.nanoTime() < end);
      for (String name : used) {
        assertTrue(exported.contains(name), name + " is plotted but not exported");
      }
    }
  }
}
