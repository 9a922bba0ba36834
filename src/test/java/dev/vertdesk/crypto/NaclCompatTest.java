package dev.vertdesk.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.vertdesk.testing.NaclClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.interfaces.Box;
import com.goterl.lazysodium.interfaces.DiffieHellman;
import com.goterl.lazysodium.interfaces.SecretBox;
import com.goterl.lazysodium.interfaces.Sign;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Permanent cross-check of {@link Nacl} against native libsodium (through lazysodium): RustDesk
 * clients use libsodium, so anything short of byte equality breaks interop. If the native library
 * cannot be loaded, {@link #loadSodium()} throws and every test fails; nothing here is skipped.
 */
class NaclCompatTest {

  private static final int CASES = 20;

  private static LazySodiumJava sodium;
  private static Sign.Native sign;
  private static Box.Native box;
  private static SecretBox.Native secretBox;
  private static DiffieHellman.Native dh;

  // Logged in every failure message so a failing random case can be replayed.
  private final long seed = System.nanoTime();
  private final Random rnd = new Random(seed);

  @BeforeAll
  static void loadSodium() {
    sodium = new LazySodiumJava(new SodiumJava());
    sign = sodium;
    box = sodium;
    secretBox = sodium;
    dh = sodium;
  }

  // ---- Ed25519 ----

  @Test
  void seedKeyPairMatchesLibsodium() {
    for (int i = 0; i < CASES; i++) {
      byte[] seed32 = bytes(32);
      byte[] pk = new byte[32];
      byte[] sk = new byte[64];
      assertTrue(sign.cryptoSignSeedKeypair(pk, sk, seed32));
      byte[] ours = Nacl.signSecretKeyFromSeed(seed32);
      assertArrayEquals(sk, ours, ctx());
      assertArrayEquals(pk, Nacl.publicKeyOf(ours), ctx());
    }
  }

  @Test
  void randomSignKeyPairIsConsistent() {
    Nacl.KeyPair kp = Nacl.signKeyPair();
    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    assertTrue(sign.cryptoSignSeedKeypair(pk, sk, java.util.Arrays.copyOf(kp.secretKey(), 32)));
    assertArrayEquals(sk, kp.secretKey());
    assertArrayEquals(pk, kp.publicKey());
  }

  @Test
  void combinedSignatureMatchesAndOpensBothWays() {
    for (int i = 0; i < CASES; i++) {
      byte[] sk = nativeSignSk();
      byte[] pk = Nacl.publicKeyOf(sk);
      byte[] msg = bytes(rnd.nextInt(300)); // includes empty messages
      byte[] expected = new byte[64 + msg.length];
      assertTrue(sign.cryptoSign(expected, msg, msg.length, sk));

      byte[] ours = Nacl.sign(msg, sk);
      assertArrayEquals(expected, ours, ctx());
      assertArrayEquals(msg, Nacl.openSigned(expected, pk), ctx());
      byte[] opened = new byte[msg.length];
      assertTrue(sign.cryptoSignOpen(opened, ours, ours.length, pk), ctx());
      assertArrayEquals(msg, opened, ctx());
    }
  }

  @Test
  void detachedSignatureMatchesAndVerifiesBothWays() {
    for (int i = 0; i < CASES; i++) {
      byte[] sk = nativeSignSk();
      byte[] pk = Nacl.publicKeyOf(sk);
      byte[] msg = bytes(rnd.nextInt(300));
      byte[] expected = new byte[64];
      assertTrue(sign.cryptoSignDetached(expected, msg, msg.length, sk));

      byte[] ours = Nacl.signDetached(msg, sk);
      assertArrayEquals(expected, ours, ctx());
      assertTrue(NaclClient.verifyDetached(expected, msg, pk), ctx());
      assertTrue(sign.cryptoSignVerifyDetached(ours, msg, msg.length, pk), ctx());
    }
  }

  @Test
  void tamperedSignaturesAreRejectedLikeLibsodium() {
    for (int i = 0; i < CASES; i++) {
      byte[] sk = nativeSignSk();
      byte[] pk = Nacl.publicKeyOf(sk);
      byte[] msg = bytes(1 + rnd.nextInt(100));
      byte[] signed = Nacl.sign(msg, sk);
      flipRandomBit(signed);
      assertNull(Nacl.openSigned(signed, pk), ctx());
      assertFalse(sign.cryptoSignOpen(new byte[msg.length], signed, signed.length, pk), ctx());

      byte[] sig = Nacl.signDetached(msg, sk);
      byte[] badMsg = msg.clone();
      flipRandomBit(badMsg);
      assertFalse(NaclClient.verifyDetached(sig, badMsg, pk), ctx());
      assertFalse(sign.cryptoSignVerifyDetached(sig, badMsg, badMsg.length, pk), ctx());
      // a valid signature under another key
      assertFalse(NaclClient.verifyDetached(sig, msg, Nacl.signKeyPair().publicKey()), ctx());
    }
  }

  @Test
  void shortOrMalformedSignedInputGivesNullOrFalse() {
    byte[] pk = Nacl.signKeyPair().publicKey();
    assertNull(Nacl.openSigned(new byte[0], pk));
    assertNull(Nacl.openSigned(new byte[63], pk));
    assertNull(Nacl.openSigned(new byte[64], pk));
    assertNull(Nacl.openSigned(null, pk));
    assertFalse(NaclClient.verifyDetached(new byte[63], new byte[1], pk));
    assertFalse(NaclClient.verifyDetached(null, new byte[1], pk));
    assertFalse(NaclClient.verifyDetached(new byte[64], new byte[1], pk));
  }

  // ---- box ----

  @Test
  void boxKeyPairPublicKeyIsLibsodiumScalarMultBase() {
    for (int i = 0; i < CASES; i++) {
      Nacl.KeyPair kp = Nacl.boxKeyPair();
      assertEquals(32, kp.secretKey().length);
      byte[] pk = new byte[32];
      assertTrue(dh.cryptoScalarMultBase(pk, kp.secretKey()));
      assertArrayEquals(pk, kp.publicKey());
    }
  }

  @Test
  void boxBeforeNmMatchesLibsodium() {
    for (int i = 0; i < CASES; i++) {
      Nacl.KeyPair a = Nacl.boxKeyPair();
      byte[][] b = nativeBoxKeyPair();
      byte[] expected = new byte[32];
      assertTrue(box.cryptoBoxBeforeNm(expected, b[0], a.secretKey()));
      assertArrayEquals(expected, Nacl.boxBeforeNm(b[0], a.secretKey()), ctx());
      // the shared key is symmetric
      assertArrayEquals(expected, Nacl.boxBeforeNm(a.publicKey(), b[1]), ctx());
    }
  }

  @Test
  void boxSealMatchesAndOpensBothWays() {
    for (int i = 0; i < CASES; i++) {
      Nacl.KeyPair a = Nacl.boxKeyPair();
      byte[][] b = nativeBoxKeyPair();
      byte[] nonce = bytes(24);
      byte[] msg = bytes(rnd.nextInt(300));

      byte[] ours = NaclClient.boxSeal(msg, nonce, b[0], a.secretKey());
      byte[] expected = new byte[16 + msg.length];
      assertTrue(box.cryptoBoxEasy(expected, msg, msg.length, nonce, b[0], a.secretKey()));
      assertArrayEquals(expected, ours, ctx());

      // libsodium (as B) opens ours
      byte[] opened = new byte[msg.length];
      assertTrue(box.cryptoBoxOpenEasy(opened, ours, ours.length, nonce, a.publicKey(), b[1]), ctx());
      assertArrayEquals(msg, opened, ctx());

      // we (as A) open libsodium's reply
      byte[] reply = bytes(rnd.nextInt(300));
      byte[] replyBox = new byte[16 + reply.length];
      assertTrue(box.cryptoBoxEasy(replyBox, reply, reply.length, nonce, a.publicKey(), b[1]));
      assertArrayEquals(reply, Nacl.boxOpen(replyBox, nonce, b[0], a.secretKey()), ctx());
    }
  }

  @Test
  void tamperedBoxesAreRejected() {
    for (int i = 0; i < CASES; i++) {
      Nacl.KeyPair a = Nacl.boxKeyPair();
      Nacl.KeyPair b = Nacl.boxKeyPair();
      byte[] nonce = bytes(24);
      byte[] sealed = NaclClient.boxSeal(bytes(1 + rnd.nextInt(100)), nonce, b.publicKey(), a.secretKey());
      byte[] tampered = sealed.clone();
      flipRandomBit(tampered);
      assertNull(Nacl.boxOpen(tampered, nonce, a.publicKey(), b.secretKey()), ctx());
      assertFalse(box.cryptoBoxOpenEasy(new byte[tampered.length - 16], tampered, tampered.length, nonce,
          a.publicKey(), b.secretKey()), ctx());
      byte[] otherNonce = nonce.clone();
      flipRandomBit(otherNonce);
      assertNull(Nacl.boxOpen(sealed, otherNonce, a.publicKey(), b.secretKey()), ctx());
      assertNull(Nacl.boxOpen(sealed, nonce, Nacl.boxKeyPair().publicKey(), b.secretKey()), ctx());
    }
    Nacl.KeyPair a = Nacl.boxKeyPair();
    assertNull(Nacl.boxOpen(new byte[15], new byte[24], a.publicKey(), a.secretKey()));
    assertNull(Nacl.boxOpen(null, new byte[24], a.publicKey(), a.secretKey()));
  }

  @Test
  void lowOrderPublicKeyFailsLikeLibsodium() {
    byte[] zeroPk = new byte[32];
    byte[] sk = Nacl.boxKeyPair().secretKey();
    assertFalse(box.cryptoBoxBeforeNm(new byte[32], zeroPk, sk));
    assertThrows(IllegalArgumentException.class, () -> Nacl.boxBeforeNm(zeroPk, sk));
    assertThrows(IllegalArgumentException.class, () -> NaclClient.boxSeal(new byte[1], new byte[24], zeroPk, sk));
    assertNull(Nacl.boxOpen(new byte[32], new byte[24], zeroPk, sk));
  }

  // ---- secretbox ----

  @Test
  void secretboxSealMatchesAndOpensBothWays() {
    for (int i = 0; i < CASES; i++) {
      byte[] key = bytes(32);
      byte[] nonce = bytes(24);
      byte[] msg = bytes(rnd.nextInt(300));

      byte[] ours = Nacl.secretboxSeal(msg, nonce, key);
      byte[] expected = new byte[16 + msg.length];
      assertTrue(secretBox.cryptoSecretBoxEasy(expected, msg, msg.length, nonce, key));
      assertArrayEquals(expected, ours, ctx());

      byte[] opened = new byte[msg.length];
      assertTrue(secretBox.cryptoSecretBoxOpenEasy(opened, ours, ours.length, nonce, key), ctx());
      assertArrayEquals(msg, opened, ctx());

      byte[] other = bytes(rnd.nextInt(300));
      byte[] theirs = new byte[16 + other.length];
      assertTrue(secretBox.cryptoSecretBoxEasy(theirs, other, other.length, nonce, key));
      assertArrayEquals(other, Nacl.secretboxOpen(theirs, nonce, key), ctx());
    }
  }

  @Test
  void tamperedSecretboxesAreRejected() {
    for (int i = 0; i < CASES; i++) {
      byte[] key = bytes(32);
      byte[] nonce = bytes(24);
      byte[] sealed = Nacl.secretboxSeal(bytes(rnd.nextInt(100)), nonce, key); // may be MAC only
      byte[] tampered = sealed.clone();
      flipRandomBit(tampered);
      assertNull(Nacl.secretboxOpen(tampered, nonce, key), ctx());
      assertFalse(secretBox.cryptoSecretBoxOpenEasy(new byte[tampered.length - 16], tampered, tampered.length,
          nonce, key), ctx());
      byte[] otherKey = key.clone();
      flipRandomBit(otherKey);
      assertNull(Nacl.secretboxOpen(sealed, nonce, otherKey), ctx());
      byte[] otherNonce = nonce.clone();
      flipRandomBit(otherNonce);
      assertNull(Nacl.secretboxOpen(sealed, otherNonce, key), ctx());
    }
    assertNull(Nacl.secretboxOpen(new byte[0], new byte[24], new byte[32]));
    assertNull(Nacl.secretboxOpen(new byte[15], new byte[24], new byte[32]));
    assertNull(Nacl.secretboxOpen(null, new byte[24], new byte[32]));
  }

  /** RustDesk's §6.3/§6.4 key transfer: box_seal of a 32-byte key with a zero nonce is 48 bytes. */
  @Test
  void symmetricKeyTransferShape() {
    Nacl.KeyPair server = Nacl.boxKeyPair();
    Nacl.KeyPair client = Nacl.boxKeyPair();
    byte[] k = Nacl.randomBytes(32);
    byte[] sealed = NaclClient.boxSeal(k, new byte[24], server.publicKey(), client.secretKey());
    assertEquals(48, sealed.length);
    assertArrayEquals(k, Nacl.boxOpen(sealed, new byte[24], client.publicKey(), server.secretKey()));
  }

  // ---- sizes ----

  @Test
  void wrongSizesAreRejectedNamingTheParameter() {
    byte[] sk64 = Nacl.signKeyPair().secretKey();
    byte[] pk32 = new byte[32];
    byte[] k32 = new byte[32];
    byte[] n24 = new byte[24];
    byte[] m = new byte[3];
    rejects("seed32", () -> Nacl.signSecretKeyFromSeed(new byte[31]));
    rejects("sk64", () -> Nacl.publicKeyOf(new byte[32]));
    rejects("sk64", () -> Nacl.sign(m, new byte[32]));
    rejects("sk64", () -> Nacl.signDetached(m, new byte[65]));
    rejects("pk32", () -> NaclClient.verifyDetached(new byte[64], m, new byte[31]));
    rejects("pk32", () -> Nacl.openSigned(Nacl.sign(m, sk64), new byte[64]));
    rejects("theirPk", () -> Nacl.boxBeforeNm(new byte[31], k32));
    rejects("mySk", () -> Nacl.boxBeforeNm(pk32, new byte[64]));
    rejects("theirPk", () -> Nacl.boxOpen(new byte[20], n24, null, k32));
    rejects("nonce24", () -> Nacl.secretboxSeal(m, new byte[8], k32));
    rejects("key32", () -> Nacl.secretboxSeal(m, n24, new byte[16]));
    rejects("nonce24", () -> Nacl.secretboxOpen(new byte[20], new byte[25], k32));
    rejects("key32", () -> Nacl.secretboxOpen(new byte[20], n24, new byte[33]));
  }

  @Test
  void randomBytesHasRequestedLength() {
    assertEquals(0, Nacl.randomBytes(0).length);
    assertEquals(57, Nacl.randomBytes(57).length);
    assertFalse(java.util.Arrays.equals(Nacl.randomBytes(32), Nacl.randomBytes(32)));
  }

  // ---- helpers ----

  private static void rejects(String param, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertNotNull(e.getMessage());
    assertTrue(e.getMessage().contains(param), () -> "message should name " + param + ": " + e.getMessage());
  }

  private byte[] nativeSignSk() {
    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    assertTrue(sign.cryptoSignSeedKeypair(pk, sk, bytes(32)));
    return sk;
  }

  /** {pk, sk} from crypto_box_keypair. */
  private static byte[][] nativeBoxKeyPair() {
    byte[] pk = new byte[32];
    byte[] sk = new byte[32];
    assertTrue(box.cryptoBoxKeypair(pk, sk));
    return new byte[][] {pk, sk};
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private void flipRandomBit(byte[] b) {
    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
  }

  private String ctx() {
    return "random seed " + seed;
  }
}
