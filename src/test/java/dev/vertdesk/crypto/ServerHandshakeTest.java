package dev.vertdesk.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.vertdesk.testing.NaclClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's side of §6.4 played against ours: offer verified, session key agreed, nonces in step. */
class ServerHandshakeTest {

  @TempDir
  Path dir;

  @Test
  void clientVerifiesOfferAndBothDirectionsDecrypt() {
    ServerKeys keys = ServerKeys.load(dir, "-");
    ServerHandshake server = new ServerHandshake(keys);
    byte[] offer = server.offer();
    assertEquals(96, offer.length);
    byte[] serverBoxPk = Nacl.openSigned(offer, NaclClient.publicKey(keys));
    assertNotNull(serverBoxPk, "the client checks the offer with the key it was given");

    Nacl.KeyPair clientBox = Nacl.boxKeyPair();
    byte[] sessionKey = Nacl.randomBytes(32);
    byte[] sealed = NaclClient.boxSeal(sessionKey, new byte[24], serverBoxPk, clientBox.secretKey());
    SecretStream serverSide = server.accept(List.of(clientBox.publicKey(), sealed));
    assertNotNull(serverSide);
    SecretStream clientSide = new SecretStream(sessionKey);

    for (int i = 0; i < 3; i++) {
      byte[] up = ("request " + i).getBytes();
      assertArrayEquals(up, serverSide.open(clientSide.seal(up)));
      byte[] down = ("answer " + i).getBytes();
      assertArrayEquals(down, clientSide.open(serverSide.seal(down)));
    }
    assertArrayEquals(new byte[0], serverSide.open(new byte[0]), "heartbeats pass in clear");
  }

  @Test
  void firstMessageUsesCounterOne() {
    byte[] key = Nacl.randomBytes(32);
    byte[] nonce1 = new byte[24];
    nonce1[0] = 1;
    byte[] sealed = new SecretStream(key).seal("x".getBytes());
    assertArrayEquals(Nacl.secretboxSeal("x".getBytes(), nonce1, key), sealed);
  }

  @Test
  void badAnswersAreRefused() {
    ServerHandshake server = new ServerHandshake(ServerKeys.load(dir, "-"));
    Nacl.KeyPair clientBox = Nacl.boxKeyPair();
    assertNull(server.accept(List.of(clientBox.publicKey())));
    assertNull(server.accept(List.of(clientBox.publicKey(), new byte[48])));
    assertNull(server.accept(List.of(new byte[32], new byte[48])), "low-order key");
    byte[] tooShort = Arrays.copyOf(clientBox.publicKey(), 31);
    assertNull(server.accept(List.of(tooShort, new byte[48])));
    SecretStream s = new SecretStream(Nacl.randomBytes(32));
    assertNull(s.open(new byte[20]), "a frame that does not open is refused");
  }
}
