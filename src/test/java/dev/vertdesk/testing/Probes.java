package dev.vertdesk.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import java.util.concurrent.TimeUnit;

/** Checks that a node still serves everyone after hostile traffic. */
public final class Probes {

  private Probes() {
  }

  /** A fresh device registers over UDP and is punched from TCP, all answered within 1 s. */
  public static void assertServesFreshDevice(TestNode node, String id) throws Exception {
    String key = node.core().keys().validationKey().orElseThrow();
    try (UdpDevice b = new UdpDevice(id, ("u" + id).getBytes(), Nacl.signKeyPair().publicKey(),
        node.port("udp"), "127.0.0.2")) {
      b.socket.setSoTimeout(1000);
      long t0 = System.nanoTime();
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      try (TcpClient a = new TcpClient(node.port("signaling"), "127.0.0.3")) {
        a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
            .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(key)).build());
        assertNotNull(b.receive(UnionCase.PUNCH_HOLE), "punched");
      }
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(millis < 1000, "registered and punched in " + millis + " ms");
    }
  }
}
