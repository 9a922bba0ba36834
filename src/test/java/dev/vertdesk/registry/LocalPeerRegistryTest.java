package dev.vertdesk.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.ServerConfig.Limits;
import dev.vertdesk.testing.MemoryPeerStore;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.store.StoredPeer;
import io.vertx.core.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The RegisterPeer / RegisterPk rules of docs/protocol.md §5.4.1, §5.4.2 and §12 items 8–10, 17. */
class LocalPeerRegistryTest {

  static final Limits DEFAULT_LIMITS = new Limits(60, 30, 300, 6, 3);
  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final MemoryPeerStore store = new MemoryPeerStore();
  LocalPeerRegistry registry = new LocalPeerRegistry(store, DEFAULT_LIMITS, now::get);

  static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  static <T> T await(Future<T> f) {
    assertTrue(f.isComplete(), "the in-memory path completes synchronously");
    if (f.failed()) {
      throw new AssertionError(f.cause());
    }
    return f.result();
  }

  Result register(String id, String uuid, byte[] pk, InetSocketAddress from) {
    return await(registry.registerPk(id, uuid.getBytes(), pk, from)).result();
  }

  @Test
  void unknownIdHeartbeatRequestsPk() throws Exception {
    assertTrue(await(registry.heartbeat("123456789", addr("1.2.3.4", 5000))).requestPk());
    assertEquals(0, registry.size(), "a heartbeat never creates a peer");
  }

  @Test
  void aLoopbackHeartbeatMovesTheEndpointWithoutAskingForTheKey() throws Exception {
    // hbbs: a loopback source never counts as an IP change, and socket_addr becomes the source
    assertEquals(Result.OK, register("123456780", "u1", new byte[] {1}, addr("192.0.2.10", 5000)));
    assertFalse(await(registry.heartbeat("123456780", addr("127.0.0.1", 6000))).requestPk());
    assertEquals(addr("127.0.0.1", 6000), registry.cached("123456780").endpoint(), "signals go where it is now");
    // back from the outside: compared with where it was last seen, so its key is asked for
    assertTrue(await(registry.heartbeat("123456780", addr("198.51.100.7", 7000))).requestPk());
    assertEquals(addr("127.0.0.1", 6000), registry.cached("123456780").endpoint(), "not moved by a heartbeat");
  }

  @Test
  void registerThenHeartbeatKeepsOnline() throws Exception {
    assertEquals(Result.OK, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 5000)));
    assertTrue(registry.cached("123456789").online());
    now.addAndGet(29_000);
    var hb = await(registry.heartbeat("123456789", addr("1.2.3.4", 5001)));
    assertFalse(hb.requestPk());
    assertEquals(5001, registry.cached("123456789").endpoint().getPort(), "NAT port refreshed");
    now.addAndGet(30_000);
    assertFalse(registry.cached("123456789").online(), "offline 30 s after the last registration");
    List<String> off = new ArrayList<>();
    registry.sweepExpired(off::add);
    assertEquals(List.of("123456789"), off);
    assertEquals(0, registry.onlineCount());
    registry.sweepExpired(off::add);
    assertEquals(1, off.size(), "offline is announced once");
    assertTrue(await(registry.heartbeat("123456789", addr("1.2.3.4", 5001))).becameOnline());
  }

  @Test
  void heartbeatFromNewIpRequestsPkWithoutRefreshing() throws Exception {
    register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 5000));
    long before = registry.cached("123456789").lastRegMillis();
    now.addAndGet(1000);
    assertTrue(await(registry.heartbeat("123456789", addr("5.6.7.8", 5000))).requestPk());
    assertEquals(before, registry.cached("123456789").lastRegMillis());
    assertEquals("1.2.3.4", registry.cached("123456789").endpoint().getAddress().getHostAddress());
  }

  @Test
  void loopbackHeartbeatIsNotAnIpChange() throws Exception {
    register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 5000));
    assertFalse(await(registry.heartbeat("123456789", addr("127.0.0.1", 5000))).requestPk());
  }

  @Test
  void shortIdGetsUuidMismatchAndEmptyFieldsAreIgnored() throws Exception {
    assertEquals(Result.UUID_MISMATCH, register("12345", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
    assertNull(await(registry.registerPk("123456789", new byte[0], new byte[] {1}, addr("1.2.3.4", 1))).result());
    assertNull(await(registry.registerPk("123456789", new byte[] {1}, new byte[0], addr("1.2.3.4", 1))).result());
    assertEquals(Result.INVALID_ID_FORMAT, register("x".repeat(101), "u1", new byte[] {1}, addr("1.2.3.4", 1)));
  }

  @Test
  void ownershipRules() throws Exception {
    byte[] pk1 = {1};
    byte[] pk2 = {2};
    assertEquals(Result.OK, register("123456789", "u1", pk1, addr("1.2.3.4", 1)));
    now.addAndGet(10_000);
    assertEquals(Result.UUID_MISMATCH, register("123456789", "other", pk1, addr("1.2.3.4", 1)),
        "another machine claiming the ID must renumber");
    now.addAndGet(10_000);
    assertEquals(Result.OK, register("123456789", "u1", pk1, addr("5.6.7.8", 1)), "IP move, same key");
    now.addAndGet(10_000);
    assertEquals(Result.UUID_MISMATCH, register("123456789", "u1", pk2, addr("9.9.9.9", 1)),
        "new key from a new IP");
    now.addAndGet(10_000);
    assertEquals(Result.OK, register("123456789", "u1", pk2, addr("5.6.7.8", 1)), "new key, same IP");
    assertArrayEquals(pk2, store.rows.get("123456789").pk());
    assertEquals("5.6.7.8", store.rows.get("123456789").ip());
  }

  @Test
  void perIdLimiterAllowsThreeInSixSeconds() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertEquals(Result.OK, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
      now.addAndGet(1000);
    }
    assertEquals(Result.TOO_FREQUENT, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
    now.addAndGet(6_001);
    assertEquals(Result.OK, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
  }

  @Test
  void perIpLimiterCountsRequestsAndDistinctIds() throws Exception {
    InetSocketAddress from = addr("1.2.3.4", 1);
    for (int i = 0; i < 30; i++) {
      assertEquals(Result.OK, register("id-" + (100000 + i), "u" + i, new byte[] {1}, from));
    }
    assertEquals(Result.TOO_FREQUENT, register("id-999999", "x", new byte[] {1}, from), "31st without a pause");
    assertEquals(Result.OK, register("id-999999", "x", new byte[] {1}, addr("1.2.3.5", 1)), "other IPs unaffected");
    now.addAndGet(60_001);
    assertEquals(Result.OK, register("id-999999", "x", new byte[] {1}, from), "after a 60 s pause");

    Limits small = new Limits(60, 1000, 3, 6, 3);
    registry = new LocalPeerRegistry(new MemoryPeerStore(), small, now::get);
    InetSocketAddress ip = addr("2.2.2.2", 1);
    for (int i = 0; i < 3; i++) {
      assertEquals(Result.OK, register("dev-" + (100000 + i), "u" + i, new byte[] {1}, ip));
    }
    assertEquals(Result.TOO_FREQUENT, register("dev-200000", "u9", new byte[] {1}, ip), "4th distinct ID today");
    now.addAndGet(2_000);
    assertEquals(Result.OK, register("dev-100000", "u0", new byte[] {1}, ip), "a known ID still passes");
    now.addAndGet(86_400_001L);
    assertEquals(Result.OK, register("dev-200000", "u9", new byte[] {1}, ip), "a day later");
  }

  @Test
  void storedPeerLoadsOfflineAndIsRecognised() throws Exception {
    store.rows.put("555666777", new StoredPeer(new byte[16], "555666777", "u1".getBytes(), new byte[] {7},
        "::ffff:1.2.3.4"));
    PeerView v = await(registry.lookup("555666777"));
    assertFalse(v.online(), "known from the database only: offline");
    assertNull(v.endpoint());
    assertTrue(await(registry.heartbeat("555666777", addr("1.2.3.4", 9))).becameOnline(),
        "the IPv4-mapped stored IP equals the IPv4 source: no key round trip");
    int writes = store.writes;
    assertEquals(Result.OK, register("555666777", "u1", new byte[] {7}, addr("1.2.3.4", 9)));
    assertEquals(writes, store.writes, "nothing changed: nothing written");
  }

  @Test
  void aStoredRowWithoutUuidIsTakenByTheFirstDevice() throws Exception {
    // hbbs treats an empty stored uuid as a new peer; UUID_MISMATCH would make it renumber
    store.rows.put("555666778", new StoredPeer(new byte[16], "555666778", new byte[0], new byte[0], ""));
    assertEquals(Result.OK, register("555666778", "u-first", new byte[] {7}, addr("1.2.3.4", 9)));
    assertEquals(Result.UUID_MISMATCH, register("555666778", "u-other", new byte[] {8}, addr("5.6.7.8", 9)),
        "and it is then that device's");
  }

  @Test
  void failedWriteIsReportedAndRetried() throws Exception {
    store.failWrites = true;
    assertEquals(Result.SERVER_ERROR, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
    assertTrue(registry.cached("123456789").online(), "memory keeps the device reachable");
    store.failWrites = false;
    now.addAndGet(10_000);
    assertEquals(Result.OK, register("123456789", "u1", new byte[] {1}, addr("1.2.3.4", 1)));
    assertEquals(1, store.writes, "the retry wrote the row although nothing changed");
  }

  @Test
  void onlineStatesBitmapOrder() throws Exception {
    register("aaaaaa", "u1", new byte[] {1}, addr("1.2.3.4", 1));
    register("cccccc", "u3", new byte[] {1}, addr("1.2.3.6", 1));
    assertArrayEquals(new boolean[] {true, false, true, false},
        registry.onlineStates(List.of("aaaaaa", "bbbbbb", "cccccc", "dddddd")).result());
  }
}
