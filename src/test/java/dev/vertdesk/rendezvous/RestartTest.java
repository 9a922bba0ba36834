package dev.vertdesk.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import dev.vertdesk.registry.PeerView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Keys and registrations survive a restart of the node (walk-through (a) step 6). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestartTest {

  @TempDir
  Path dataDir;

  @Test
  void keysAndPeersSurviveRestart() throws Exception {
    byte[] pk = Nacl.signKeyPair().publicKey();
    String publicKey;
    try (TestNode node = TestNode.start(dataDir);
         UdpDevice b = new UdpDevice("123123123", "uid-1".getBytes(), pk, node.port("udp"))) {
      publicKey = node.core().keys().publicKeyBase64();
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk());
    }
    assertTrue(Files.exists(dataDir.resolve("id_ed25519")));
    assertTrue(Files.exists(dataDir.resolve("db_v2.sqlite3")));

    try (TestNode node = TestNode.start(dataDir);
         UdpDevice b = new UdpDevice("123123123", "uid-1".getBytes(), pk, node.port("udp"))) {
      assertEquals(publicKey, node.core().keys().publicKeyBase64(), "same key pair after restart");
      PeerView known = node.core().registry().lookup("123123123").toCompletionStage().toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
      assertNotNull(known, "registered before the restart, known after it");
      assertArrayEquals(pk, known.pk());
      assertFalse(known.online(), "not online until it registers again");
      assertEquals(Boolean.FALSE, b.heartbeat(), "the loaded record accepts the heartbeat");
      assertEquals(RegisterPkResponse.Result.UUID_MISMATCH,
          new UdpDevice("123123123", "another-machine".getBytes(), pk, node.port("udp")).registerPk(),
          "ownership survives too");
    }

    // walk-through (a) step 6 as the client lives it: its first heartbeat after the restart
    // asks for its key, the RegisterPk finds the stored record, the next heartbeat is plain
    try (TestNode node = TestNode.start(dataDir);
         UdpDevice b = new UdpDevice("123123123", "uid-1".getBytes(), pk, node.port("udp"))) {
      assertEquals(Boolean.TRUE, b.heartbeat(), "not in memory: request_pk");
      assertEquals(RegisterPkResponse.Result.OK, b.registerPk(), "the stored record, same uuid and key");
      assertEquals(Boolean.FALSE, b.heartbeat());
      assertTrue(node.core().registry().cached("123123123").online());
    }
  }
}
