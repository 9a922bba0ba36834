package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving from rustdesk-server: a data directory as hbbs/hbbr leave it (key files, db_v2.sqlite3
 * written by plain JDBC with hbbs' schema and rows, .env, blocklist.txt) is used unchanged.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MigrationTest {

  /** rustdesk-server's create_tables() (src/database.rs), as hbbs runs it. */
  static final List<String> HBBS_SCHEMA = List.of(
      """
      create table if not exists peer (
                      guid blob primary key not null,
                      id varchar(100) not null,
                      uuid blob not null,
                      pk blob not null,
                      created_at datetime not null default(current_timestamp),
                      user blob,
                      status tinyint,
                      note varchar(300),
                      info text not null
                  ) without rowid;""",
      "create unique index if not exists index_peer_id on peer (id);",
      "create index if not exists index_peer_user on peer (user);",
      "create index if not exists index_peer_created_at on peer (created_at);",
      "create index if not exists index_peer_status on peer (status);");

  record Row(byte[] guid, String id, byte[] uuid, byte[] pk, String info) {
  }

  @TempDir
  Path dir;

  String publicKey;
  String secretKey;
  final List<Row> rows = new ArrayList<>();
  final SecureRandom random = new SecureRandom();

  @BeforeEach
  void rustdeskServerDataDirectory() throws Exception {
    // hbbs' gen_sk(): base64 of the libsodium pair, no newline
    Nacl.KeyPair pair = Nacl.signKeyPair();
    publicKey = Base64.getEncoder().encodeToString(pair.publicKey());
    secretKey = Base64.getEncoder().encodeToString(pair.secretKey());
    Files.writeString(dir.resolve("id_ed25519"), secretKey, StandardCharsets.US_ASCII);
    Files.writeString(dir.resolve("id_ed25519.pub"), publicKey, StandardCharsets.US_ASCII);

    rows.add(new Row(bytes(16), "123456789", "machine-uuid-1".getBytes(StandardCharsets.UTF_8),
        Nacl.signKeyPair().publicKey(), "{\"ip\":\"::ffff:192.0.2.10\"}"));
    rows.add(new Row(bytes(16), "987654321", "machine-uuid-2".getBytes(StandardCharsets.UTF_8),
        Nacl.signKeyPair().publicKey(), "{\"ip\":\"::ffff:198.51.100.20\"}"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db_v2.sqlite3"));
         Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL"); // sqlx's default
      for (String ddl : HBBS_SCHEMA) {
        st.execute(ddl);
      }
      try (PreparedStatement ins = c.prepareStatement(
          "insert into peer(guid, id, uuid, pk, info, note) values(?, ?, ?, ?, ?, ?)")) {
        for (Row r : rows) {
          ins.setBytes(1, r.guid());
          ins.setString(2, r.id());
          ins.setBytes(3, r.uuid());
          ins.setBytes(4, r.pk());
          ins.setString(5, r.info());
          ins.setString(6, "note of " + r.id());
          ins.executeUpdate();
        }
      }
    }
    Files.writeString(dir.resolve(".env"), "RELAY_SERVERS=127.0.0.1:1\nALWAYS_USE_RELAY=Y\nSERIAL=7\n");
    Files.writeString(dir.resolve("blocklist.txt"), "127.0.0.5 abuse\n");
    Files.writeString(dir.resolve("blacklist.txt"), "127.0.0.6\n");
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void anExistingRustdeskServerDataDirectoryIsAdoptedUnchanged() throws Exception {
    byte[] skBefore = Files.readAllBytes(dir.resolve("id_ed25519"));
    byte[] pkBefore = Files.readAllBytes(dir.resolve("id_ed25519.pub"));
    Row stored = rows.get(0);

    try (TestNode node = TestNode.start(dir, new JsonObject(), Map.of())) {
      // the key pair is reused
      assertEquals(publicKey, node.core().keys().publicKeyBase64());
      assertEquals(publicKey, node.core().keys().validationKey().orElseThrow());
      assertTrue(node.core().keys().canSign());

      // .env is honoured
      assertEquals(List.of("127.0.0.1:1"), node.core().config().server().relayServers());
      assertTrue(node.core().config().server().alwaysUseRelay());
      assertEquals(7, node.core().config().server().serial());

      // every stored peer is known, with its key, and offline until it registers
      for (Row r : rows) {
        PeerView known = node.core().registry().lookup(r.id()).toCompletionStage().toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
        assertNotNull(known, r.id());
        assertArrayEquals(r.pk(), known.pk(), r.id());
        assertFalse(known.online(), r.id());
      }
      // a controlling client asking for a stored ID hears "offline", for an unknown one "no such ID"
      assertEquals(PunchHoleResponse.Failure.OFFLINE, punch(node, stored.id()).getFailure());
      assertEquals(PunchHoleResponse.Failure.ID_NOT_EXIST, punch(node, "555666777").getFailure());

      // the device comes back with its uuid and key: accepted, reachable; another machine is not
      try (UdpDevice b = new UdpDevice(stored.id(), stored.uuid(), stored.pk(), node.port("udp"))) {
        assertNotNull(b.heartbeat(), "heartbeat answered");
        assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
        try (UdpDevice thief = new UdpDevice(stored.id(), "other".getBytes(StandardCharsets.UTF_8),
            Nacl.signKeyPair().publicKey(), node.port("udp"))) {
          assertEquals(RegisterPkResponse.Result.UUID_MISMATCH, thief.registerPk(), "ownership kept");
        }
        try (TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
          a.send(punchRequest(stored.id()));
          RendezvousMessage toB = b.receive(RendezvousMessage.UnionCase.PUNCH_HOLE);
          assertNotNull(toB, "the stored device is reached");
          // ALWAYS_USE_RELAY=Y from .env: it is told the requester is symmetric, i.e. to relay
          assertEquals(NatType.SYMMETRIC, toB.getPunchHole().getNatType());
        }
      }

      // blocklist.txt: the relay refuses that address
      int relay = node.port("relay");
      assertTrue(closedAtOnce(relay, "127.0.0.5"), "blocklisted address refused");
      assertFalse(closedAtOnce(relay, "127.0.0.1"), "others are served");
    }

    assertArrayEquals(skBefore, Files.readAllBytes(dir.resolve("id_ed25519")), "secret key file untouched");
    assertArrayEquals(pkBefore, Files.readAllBytes(dir.resolve("id_ed25519.pub")), "public key file untouched");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith("id_ed25519")
          && !p.getFileName().toString().matches("id_ed25519(\\.pub)?")).count(), "no other key files");
    }

    // the same database, rows in place: hbbs could take it back
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db_v2.sqlite3"));
         Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("select count(*) from peer")) {
        assertEquals(rows.size(), rs.getInt(1), "no row added or lost");
      }
      for (Row r : rows) {
        try (PreparedStatement q = c.prepareStatement("select guid, uuid, pk, note, info from peer where id = ?")) {
          q.setString(1, r.id());
          try (ResultSet rs = q.executeQuery()) {
            assertTrue(rs.next(), r.id());
            assertArrayEquals(r.guid(), rs.getBytes(1), "guid kept");
            assertArrayEquals(r.uuid(), rs.getBytes(2), "uuid kept");
            assertArrayEquals(r.pk(), rs.getBytes(3), "pk kept");
            assertEquals("note of " + r.id(), rs.getString(4), "columns hbbs does not use are kept");
            String ip = new JsonObject(rs.getString(5)).getString("ip");
            if (r == stored) {
              assertTrue(ip.endsWith("127.0.0.1"), "re-registered from 127.0.0.1: " + ip);
            } else {
              assertEquals(new JsonObject(r.info()).getString("ip"), ip, "untouched row");
            }
          }
        }
      }
      try (ResultSet rs = st.executeQuery("select sql from sqlite_master where name = 'peer'")) {
        assertTrue(rs.getString(1).contains("without rowid"), "hbbs' table, not a new one");
      }
    }
  }

  private RendezvousMessage punchRequest(String id) {
    return RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
        .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(publicKey)).build();
  }

  private PunchHoleResponse punch(TestNode node, String id) throws IOException {
    try (TcpClient a = new TcpClient(node.port("signaling"))) {
      a.send(punchRequest(id));
      RendezvousMessage m = a.read();
      assertNotNull(m, "answered");
      return m.getPunchHoleResponse();
    }
  }

  /** Whether the server closes a connection from {@code localIp} within half a second. */
  private static boolean closedAtOnce(int port, String localIp) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(localIp, 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 3000);
      s.setSoTimeout(500);
      try {
        return s.getInputStream().read() < 0;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
  }
}
