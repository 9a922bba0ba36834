package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.testing.Probes;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public listener faces the internet: malformed, truncated, oversized and flooding input
 * closes the offending connection or is dropped, and the server keeps serving everyone else.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileInputTest {

  @TempDir
  Path dataDir;
  TestNode node;
  String key;
  int deviceCounter;

  @BeforeEach
  void start() throws Exception {
    JsonObject shortIdle = new JsonObject().put("verticles", new JsonObject()
        .put("signaling", new JsonObject().put("config", new JsonObject().put("idleTimeoutSeconds", 2)))
        .put("nat", new JsonObject().put("config", new JsonObject().put("firstMessageTimeoutSeconds", 2))));
    node = TestNode.start(dataDir, shortIdle);
    key = node.core().keys().validationKey().orElseThrow();
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  private void assertServesFreshDevice() throws Exception {
    Probes.assertServesFreshDevice(node, "77700" + (1000 + deviceCounter++));
  }

  @Test
  void garbageFrameClosesConnection() throws Exception {
    for (String listener : new String[] {"signaling", "nat"}) {
      try (TcpClient c = new TcpClient(node.port(listener))) {
        c.writeRaw(new byte[] {0x28, (byte) 0xff, (byte) 0xfe, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
        assertTrue(c.closedByServer(1500), listener + ": unparseable payload closes");
      }
    }
    assertServesFreshDevice();
  }

  @Test
  void emptyFrameAndUnexpectedMessageClose() throws Exception {
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      c.writeRaw(new byte[] {0x00});
      assertTrue(c.closedByServer(1500));
    }
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      c.send(RendezvousMessage.newBuilder().setRegisterPeerResponse(
          dev.vertdesk.proto.RegisterPeerResponse.newBuilder().setRequestPk(true)).build());
      assertTrue(c.closedByServer(1500), "a response sent to the server closes");
    }
  }

  @Test
  void hugeFrameHeaderClosesAtOnce() throws Exception {
    try (TcpClient c = new TcpClient(node.port("signaling"))) {
      // 4-byte header announcing 1 GiB - 1: (n << 2) | 3
      long n = (1L << 30) - 1;
      long h = (n << 2) | 3;
      c.writeRaw(new byte[] {(byte) h, (byte) (h >> 8), (byte) (h >> 16), (byte) (h >> 24)});
      assertTrue(c.closedByServer(1000), "rejected from the header alone");
    }
    assertServesFreshDevice();
  }

  @Test
  void truncatedFrameAndHalfOpenConnectionsTimeOut() throws Exception {
    try (TcpClient truncated = new TcpClient(node.port("signaling"));
         TcpClient silent = new TcpClient(node.port("nat"));
         TcpClient halfClosed = new TcpClient(node.port("signaling"))) {
      truncated.writeRaw(new byte[] {0x28, 0x32, 0x0d}); // announces 10 bytes, sends 2
      halfClosed.socket.shutdownOutput();
      assertTrue(truncated.closedByServer(4000), "idle timeout ends a truncated frame");
      assertTrue(silent.closedByServer(4000), "no first message within the timeout");
      assertTrue(halfClosed.closedByServer(4000), "half-closed connection is closed");
    }
  }

  @Test
  void aConnectionThatKeepsAskingIsClosedAndCannotFloodADevice() throws Exception {
    try (UdpDevice b = new UdpDevice("777123456", "flooded".getBytes(), dev.vertdesk.crypto.Nacl.signKeyPair().publicKey(),
        node.port("udp"), "127.0.0.6");
         TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.7")) {
      assertTrue(b.registerPk() == dev.vertdesk.proto.RegisterPkResponse.Result.OK);
      RendezvousMessage punch = RendezvousMessage.newBuilder().setPunchHoleRequest(
          dev.vertdesk.proto.PunchHoleRequest.newBuilder().setId(b.id).setLicenceKey(key)).build();
      for (int i = 0; i < 100; i++) {
        try {
          a.send(punch);
        } catch (java.io.IOException closed) {
          break;
        }
      }
      assertTrue(a.closedByServer(2000), "closed after " + SignalingService.MAX_REQUESTS_PER_CONNECTION + " requests");
      b.socket.setSoTimeout(500);
      int punches = 0;
      while (b.receive() != null) {
        punches++;
      }
      assertTrue(punches >= 1 && punches <= SignalingService.MAX_REQUESTS_PER_CONNECTION,
          "the device got " + punches + " PunchHoles, not one per request");
    }
    assertServesFreshDevice();
  }

  @Test
  void malformedDatagramBurstIsDropped() throws Exception {
    Random random = new Random(42);
    try (DatagramSocket flood = new DatagramSocket(new InetSocketAddress("127.0.0.5", 0))) {
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", node.port("udp"));
      for (int i = 0; i < 10_000; i++) {
        byte[] junk = new byte[1 + random.nextInt(1400)];
        random.nextBytes(junk);
        if (i % 3 == 0) {
          junk[0] = 0x7a; // field 15 (register_pk), then a broken length
          junk[Math.min(1, junk.length - 1)] = (byte) 0xff;
        }
        flood.send(new DatagramPacket(junk, junk.length, target));
      }
    }
    // Datagrams that arrive while the kernel queue is full are lost, as with any UDP server;
    // what matters is that the burst is worked off and everyone else is served afterwards.
    try (UdpDevice probe = new UdpDevice("probe-000001", "p".getBytes(), new byte[] {1}, node.port("udp"))) {
      probe.socket.setSoTimeout(100);
      Boolean answered = null;
      for (int i = 0; i < 50 && answered == null; i++) {
        answered = probe.heartbeat();
      }
      assertNotNull(answered, "the registration socket answers after the burst");
    }
    assertServesFreshDevice();
  }
}
