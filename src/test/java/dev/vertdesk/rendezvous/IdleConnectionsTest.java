package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** 5 000 connections that never send anything do not starve or bloat the server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleConnectionsTest {

  @TempDir
  Path dataDir;

  @Test
  void fiveThousandIdleConnections() throws Exception {
    try (TestNode node = TestNode.start(dataDir)) {
      String key = node.ctx().keys().validationKey().orElseThrow();
      Runtime rt = Runtime.getRuntime();
      System.gc();
      long before = rt.totalMemory() - rt.freeMemory();
      List<Socket> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 5_000; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", node.port("signaling")), 3000);
          idle.add(s);
        }
        try (UdpDevice b = new UdpDevice("888999000", "u".getBytes(), Nacl.signKeyPair().publicKey(),
            node.port("udp"), "127.0.0.2")) {
          b.socket.setSoTimeout(1000);
          long t0 = System.nanoTime();
          assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
          try (TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
            a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
                .setId("888999000").setNatType(NatType.ASYMMETRIC).setLicenceKey(key)).build());
            assertNotNull(b.receive(UnionCase.PUNCH_HOLE));
          }
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
          assertTrue(millis < 1000, "registered and punched in " + millis + " ms");
        }
        System.gc();
        long perConnection = (rt.totalMemory() - rt.freeMemory() - before) / 5_000;
        // Vert.x holds ~9 KB per idle connection (PERF.md §C), client sockets included here;
        // per-connection frame buffers would show up as tens of KB.
        assertTrue(perConnection < 32 * 1024, "heap per idle connection: " + perConnection + " B");
      } finally {
        for (Socket s : idle) {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing anyway
          }
        }
      }
    }
  }
}
