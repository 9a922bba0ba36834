package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import dev.vertdesk.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A spoofed X-Real-IP / X-Forwarded-For from a peer that is not a trusted proxy is ignored. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UntrustedProxyTest {

  @TempDir
  Path dataDir;

  @Test
  void spoofedHeadersAreIgnored() throws Exception {
    try (TestNode node = TestNode.start(dataDir, new JsonObject().put("trustedProxies", "10.9.9.9/32"));
         UdpDevice b = new UdpDevice("246246246", "u".getBytes(), new byte[] {1}, node.port("udp"), "127.0.0.2")) {
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
      String licence = node.core().keys().validationKey().orElseThrow();
      for (Map<String, String> spoof : new Map[] {Map.of("X-Real-IP", "203.0.113.9"),
          Map.of("X-Forwarded-For", "198.51.100.1, 203.0.113.10")}) {
        try (WsClient a = new WsClient(node.vertx, node.port("ws"), "/", spoof)) {
          a.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
              .setId("246246246").setNatType(NatType.SYMMETRIC).setLicenceKey(licence)).build());
          var ph = b.receive(UnionCase.PUNCH_HOLE).getPunchHole();
          assertEquals("127.0.0.1", AddrMangle.decode(ph.getSocketAddr().toByteArray()).getAddress().getHostAddress());
        }
      }
    }
  }
}
