package dev.vertdesk.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.metrics.Metrics;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.proto.TestNatRequest;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection limits on real sockets, on every TCP and WebSocket port: one address at its limit
 * is refused at once and counted while other addresses are served; the node-wide limit leaves the
 * UDP port and the admin port working; a trusted proxy's WebSocket clients are counted by the
 * address it names. Loopback offers 127.0.0.0/8 as client addresses.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionLimitsTest {

  private static final List<String> PUBLIC_PORTS = List.of("signaling", "nat", "relay", "ws", "wsrelay");

  @TempDir
  Path dataDir;
  TestNode node;
  final List<Socket> held = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Socket s : held) {
      s.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private void start(JsonObject overrides) throws Exception {
    node = TestNode.startWithMetrics(dataDir, overrides, Map.of());
  }

  /** Loopback is not a proxy here: every 127.0.0.x is a client of its own. */
  private static JsonObject limits(int maxPerIp, int maxTotal) {
    return new JsonObject().put("trustedProxies", "")
        .put("connections", new JsonObject().put("maxPerIp", maxPerIp).put("maxTotal", maxTotal))
        .put("verticles", new JsonObject().put("admin", new JsonObject().put("config", new JsonObject()
            .put("maxConnectionsPerIp", 2).put("maxConnections", 3))));
  }

  private ConnectionLimiter.Listener listener(String name) {
    return node.main.connections().listener(name);
  }

  private Socket connect(String listener, String localIp) throws IOException {
    Socket s = new Socket();
    held.add(s);
    s.bind(new InetSocketAddress(localIp, 0));
    s.connect(new InetSocketAddress("127.0.0.1", node.port(listener)), 3000);
    return s;
  }

  private static void await(String what, IntSupplier value, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (value.getAsInt() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, value.getAsInt(), what);
  }

  /** True when the server ends the connection (end of stream or reset) within {@code millis}. */
  private static boolean closedWithin(Socket s, int millis) throws IOException {
    s.setSoTimeout(millis);
    InputStream in = s.getInputStream();
    try {
      while (in.read(new byte[4096]) >= 0) {
        // what the server says first (a KeyExchange, a close frame) is not the point
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String upgrade(Socket s, String extraHeaders) throws IOException {
    s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(3000);
    StringBuilder head = new StringBuilder();
    InputStream in = s.getInputStream();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString().split("\r\n", 2)[0];
  }

  /** Proof that {@code listener} serves a new client from {@code localIp}. */
  private void assertServes(String listener, String localIp) throws Exception {
    switch (listener) {
      case "signaling", "nat" -> {
        try (TcpClient c = new TcpClient(node.port(listener), localIp)) {
          c.send(RendezvousMessage.newBuilder().setTestNatRequest(TestNatRequest.newBuilder().setSerial(1)).build());
          RendezvousMessage answer = c.read(2000);
          assertNotNull(answer, listener + " answers");
          assertEquals(UnionCase.TEST_NAT_RESPONSE, answer.getUnionCase());
        }
      }
      case "ws", "wsrelay" -> {
        try (Socket s = connect(listener, localIp)) {
          assertEquals("HTTP/1.1 101 Switching Protocols", upgrade(s, ""));
        }
      }
      default -> {
        try (Socket s = connect(listener, localIp)) {
          assertFalse(closedWithin(s, 500), listener + " keeps the connection");
        }
      }
    }
  }

  private double refused(String listener, ConnectionLimiter.Refusal why) {
    MeterRegistry registry = Metrics.registry(node.vertx).orElseThrow();
    FunctionCounter c = registry.find("vertdesk.connections.refused")
        .tags("listener", listener, "reason", why.label()).functionCounter();
    assertNotNull(c, "vertdesk_connections_refused_total{listener=" + listener + "}");
    return c.count();
  }

  @Test
  void anAddressAtItsLimitIsRefusedAtOnceOnEveryPortWhileOthersAreServed() throws Exception {
    start(limits(3, 1000));
    for (String listener : PUBLIC_PORTS) {
      List<Socket> mine = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        mine.add(connect(listener, "127.0.0.2"));
      }
      await(listener + " holds them", () -> listener(listener).open(), 3);

      Socket over = connect(listener, "127.0.0.2");
      assertTrue(closedWithin(over, 1000), listener + ": the 4th connection from one address is closed at once");
      assertEquals(1.0, refused(listener, ConnectionLimiter.Refusal.PER_IP), listener + ": counted");
      assertFalse(closedWithin(mine.get(0), 200), listener + ": the admitted ones stay");
      assertServes(listener, "127.0.0.3");

      for (Socket s : mine) {
        s.close();
      }
      await(listener + " gives the places back", () -> listener(listener).open(), 0);
    }
    // the address is counted on all ports together: 2 on signaling and 1 on the relay fill it
    connect("signaling", "127.0.0.4");
    connect("signaling", "127.0.0.4");
    connect("relay", "127.0.0.4");
    await("three held", () -> listener("signaling").open() + listener("relay").open(), 3);
    assertTrue(closedWithin(connect("ws", "127.0.0.4"), 1000), "a 4th on another port is refused too");
  }

  @Test
  void theNodeWideLimitKeepsUdpAndTheAdminPortWorking() throws Exception {
    start(limits(3, 12));
    UdpDevice device = new UdpDevice("555000111", "u".getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), "127.0.0.21");
    device.socket.setSoTimeout(5000);
    assertEquals(RegisterPkResponse.Result.OK, device.registerPk());
    for (int ip = 10; ip < 14; ip++) {
      for (int i = 0; i < 3; i++) {
        connect(PUBLIC_PORTS.get(i + ip % 2), "127.0.0." + ip);
      }
    }
    await("12 held", () -> PUBLIC_PORTS.stream().mapToInt(p -> listener(p).open()).sum(), 12);
    for (String listener : PUBLIC_PORTS) {
      assertTrue(closedWithin(connect(listener, "127.0.0.20"), 1000), listener + ": over the node-wide limit");
      assertEquals(1.0, refused(listener, ConnectionLimiter.Refusal.TOTAL), listener + ": counted");
    }
    try (device) {
      assertEquals(Boolean.FALSE, device.heartbeat(), "the registered device's heartbeats are answered");
    }
    assertEquals("HTTP/1.1 200 OK", get(connect("admin", "127.0.0.21"), "/health/live"), "the admin port answers");

    held.get(0).close();
    await("a place is free", () -> PUBLIC_PORTS.stream().mapToInt(p -> listener(p).open()).sum(), 11);
    assertServes("signaling", "127.0.0.20");
  }

  @Test
  void theAdminPortHasItsOwnLimits() throws Exception {
    start(limits(1, 1000));
    connect("admin", "127.0.0.2");
    connect("admin", "127.0.0.2");
    await("two held", () -> listener("admin").open(), 2);
    assertTrue(closedWithin(connect("admin", "127.0.0.2"), 1000), "a 3rd from one address");
    assertEquals(1.0, refused("admin", ConnectionLimiter.Refusal.PER_IP));
    assertEquals("HTTP/1.1 200 OK", get(connect("admin", "127.0.0.3"), "/health/live"), "another address is served");
    await("the request's connection is still open", () -> listener("admin").open(), 3);
    assertTrue(closedWithin(connect("admin", "127.0.0.4"), 1000), "over maxConnections");
    assertEquals(1.0, refused("admin", ConnectionLimiter.Refusal.TOTAL));
    assertServes("signaling", "127.0.0.4");
  }

  @Test
  void aTrustedProxysWebSocketClientsAreCountedByTheAddressItNames() throws Exception {
    start(limits(2, 1000).put("trustedProxies", "127.0.0.1/32"));
    for (String listener : List.of("ws", "wsrelay")) {
      List<Socket> proxied = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Socket s = connect(listener, "127.0.0.1");
        assertEquals("HTTP/1.1 101 Switching Protocols", upgrade(s, "X-Real-IP: 198.51.100.7\r\n"));
        proxied.add(s);
      }
      Socket over = connect(listener, "127.0.0.1");
      upgrade(over, "X-Real-IP: 198.51.100.7\r\n");
      // after the upgrade: a close frame at once, the connection within the closing handshake's second
      assertTrue(closedWithin(over, 2500), listener + ": a 3rd for one client behind the proxy is closed");
      assertEquals(1.0, refused(listener, ConnectionLimiter.Refusal.PER_IP), listener + ": counted");
      Socket other = connect(listener, "127.0.0.1");
      assertEquals("HTTP/1.1 101 Switching Protocols", upgrade(other, "X-Real-IP: 198.51.100.8\r\n"));
      assertFalse(closedWithin(other, 300), listener + ": another client behind the same proxy is served");
      assertFalse(closedWithin(proxied.get(0), 100), listener + ": the first ones stay");
      for (Socket s : proxied) {
        s.close();
      }
      other.close();
      await(listener + " gives the places back", () -> listener(listener).open(), 0);
    }
  }

  private static String get(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.setSoTimeout(3000);
    StringBuilder line = new StringBuilder();
    InputStream in = s.getInputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\r') {
      line.append((char) b);
    }
    return line.toString();
  }
}
