package dev.vertdesk.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.TcpClient;
import dev.vertdesk.testing.UdpDevice;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client's first minute against a server that runs elsewhere: the container image or the
 * installed package, started by {@code .ci/packaging-check}. Not part of the suite (the name
 * matches neither surefire's nor failsafe's patterns); run it as
 * {@code ./mvnw -B -o surefire:test -Dtest=ServerSmoke -Dsmoke.port=<PORT> -Dsmoke.key=<public key>}
 * ({@code -Dsmoke.relayPort} for a relay elsewhere than PORT+1). The server must be on this host.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerSmoke {

  private static final int PORT = Integer.getInteger("smoke.port", 21116);
  private static final int RELAY_PORT = Integer.getInteger("smoke.relayPort", PORT + 1);
  private static final String KEY = System.getProperty("smoke.key", "");
  /** The server may be busy starting: each step is tried until this long has passed. */
  private static final long PATIENCE_MILLIS = 60_000;

  @Test
  void aDeviceRegistersAndIsPunchedThroughTheServer() throws Exception {
    String id = "9" + (100_000_000 + (int) (Math.random() * 800_000_000));
    // device and controller on two loopback addresses: one address would be the LAN case, answered
    // without a PunchHole (docs/protocol.md §5.4.3)
    try (UdpDevice device = new UdpDevice(id, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8),
        Nacl.signKeyPair().publicKey(), PORT, "127.0.0.2")) {
      RegisterPkResponse.Result registered = null;
      long deadline = System.currentTimeMillis() + PATIENCE_MILLIS;
      while (registered == null && System.currentTimeMillis() < deadline) {
        registered = device.registerPk();
      }
      assertEquals(RegisterPkResponse.Result.OK, registered, "RegisterPk over UDP to port " + PORT);
      RendezvousMessage punch = null;
      while (punch == null && System.currentTimeMillis() < deadline) {
        try (TcpClient controller = new TcpClient(PORT, "127.0.0.3")) {
          controller.send(RendezvousMessage.newBuilder().setPunchHoleRequest(PunchHoleRequest.newBuilder()
              .setId(id).setNatType(NatType.ASYMMETRIC).setLicenceKey(KEY)).build());
          punch = device.receive(RendezvousMessage.UnionCase.PUNCH_HOLE);
        }
      }
      assertNotNull(punch, "the device got the PunchHole that a controller asked for on TCP " + PORT);
    }
  }

  @Test
  void twoEndsArePairedAndRelayed() throws Exception {
    String uuid = UUID.randomUUID().toString();
    byte[] hello = "hello through the relay".getBytes(StandardCharsets.UTF_8);
    long deadline = System.currentTimeMillis() + PATIENCE_MILLIS;
    while (true) {
      try (Socket first = connect(); Socket second = connect()) {
        first.getOutputStream().write(request(uuid));
        second.getOutputStream().write(request(uuid));
        first.getOutputStream().write(hello);
        assertArrayEquals(hello, read(second.getInputStream(), hello.length), "relayed on TCP " + RELAY_PORT);
        return;
      } catch (IOException | AssertionError e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        uuid = UUID.randomUUID().toString();
        Thread.sleep(1000); // the relay port may not listen yet: try again
      }
    }
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", RELAY_PORT), 3000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static byte[] request(String uuid) {
    return FrameCodec.encode(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder()
        .setUuid(uuid).setLicenceKey(KEY).setId("123456789")).build().toByteArray());
  }

  private static byte[] read(InputStream in, int n) throws IOException {
    byte[] got = in.readNBytes(n);
    return Arrays.copyOf(got, got.length);
  }
}
