package dev.vertdesk.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.util.Pack;

/**
 * The three libsodium constructions RustDesk uses (docs/protocol.md §6), built on Bouncy Castle's
 * low-level primitives so the output is byte-for-byte what libsodium produces:
 * {@code crypto_sign} (Ed25519, sk = seed ‖ pk), {@code crypto_box_easy} and
 * {@code crypto_secretbox_easy} (16-byte MAC ‖ ciphertext). No JCA provider is involved.
 *
 * <p>Wrong key or nonce sizes are programming errors and throw {@link IllegalArgumentException};
 * a bad MAC or signature is input from the network and yields {@code null} / {@code false}.
 */
public final class Nacl {

  public static final int SIGN_PUBLIC_KEY_BYTES = 32;
  public static final int SIGN_SECRET_KEY_BYTES = 64;
  public static final int SIGN_SEED_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;
  public static final int BOX_PUBLIC_KEY_BYTES = 32;
  public static final int BOX_SECRET_KEY_BYTES = 32;
  public static final int NONCE_BYTES = 24;
  public static final int SECRETBOX_KEY_BYTES = 32;
  public static final int MAC_BYTES = 16;

  /** A public/secret key pair; sign pairs have a 64-byte secret key, box pairs a 32-byte one. */
  public record KeyPair(byte[] publicKey, byte[] secretKey) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  // "expand 32-byte k" as four little-endian words: the HSalsa20 constants.
  private static final int[] SIGMA =
      Pack.littleEndianToInt("expand 32-byte k".getBytes(StandardCharsets.US_ASCII), 0, 4);

  private Nacl() {}

  public static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  // ---- Ed25519 (crypto_sign) ----

  /**
   * A public key a device could sign with: 32 bytes encoding a point of the curve's prime-order
   * group (what libsodium's key generation gives; small-order and malformed points are refused).
   */
  public static boolean validSignPublicKey(byte[] pk) {
    return pk != null && pk.length == SIGN_PUBLIC_KEY_BYTES && Ed25519.validatePublicKeyFull(pk, 0);
  }

  public static byte[] signSecretKeyFromSeed(byte[] seed32) {
    check(seed32, SIGN_SEED_BYTES, "seed32");
    byte[] sk = Arrays.copyOf(seed32, SIGN_SECRET_KEY_BYTES);
    Ed25519.generatePublicKey(seed32, 0, sk, SIGN_SEED_BYTES);
    return sk;
  }

  /** The pk half of a libsodium secret key (like crypto_sign_ed25519_sk_to_pk, not re-derived). */
  public static byte[] publicKeyOf(byte[] sk64) {
    check(sk64, SIGN_SECRET_KEY_BYTES, "sk64");
    return Arrays.copyOfRange(sk64, SIGN_SEED_BYTES, SIGN_SECRET_KEY_BYTES);
  }

  public static KeyPair signKeyPair() {
    byte[] sk = signSecretKeyFromSeed(randomBytes(SIGN_SEED_BYTES));
    return new KeyPair(publicKeyOf(sk), sk);
  }

  public static byte[] signDetached(byte[] msg, byte[] sk64) {
    check(sk64, SIGN_SECRET_KEY_BYTES, "sk64");
    byte[] sig = new byte[SIGNATURE_BYTES];
    // libsodium hashes the stored pk half rather than re-deriving it; passing it explicitly matches that.
    Ed25519.sign(sk64, 0, sk64, SIGN_SEED_BYTES, msg, 0, msg.length, sig, 0);
    return sig;
  }

  /** Combined mode: 64-byte signature ‖ message. */
  public static byte[] sign(byte[] msg, byte[] sk64) {
    byte[] out = Arrays.copyOf(signDetached(msg, sk64), SIGNATURE_BYTES + msg.length);
    System.arraycopy(msg, 0, out, SIGNATURE_BYTES, msg.length);
    return out;
  }


  /** Returns the message of a combined signed message, or null if it is short or does not verify. */
  public static byte[] openSigned(byte[] signedMsg, byte[] pk32) {
    check(pk32, SIGN_PUBLIC_KEY_BYTES, "pk32");
    if (signedMsg == null || signedMsg.length < SIGNATURE_BYTES) {
      return null;
    }
    byte[] msg = Arrays.copyOfRange(signedMsg, SIGNATURE_BYTES, signedMsg.length);
    return Ed25519.verify(signedMsg, 0, pk32, 0, msg, 0, msg.length) ? msg : null;
  }

  // ---- crypto_box (X25519 + HSalsa20 + XSalsa20-Poly1305) ----

  public static KeyPair boxKeyPair() {
    byte[] sk = randomBytes(BOX_SECRET_KEY_BYTES);
    byte[] pk = new byte[BOX_PUBLIC_KEY_BYTES];
    X25519.scalarMultBase(sk, 0, pk, 0); // clamps internally, as libsodium does; sk stays unclamped
    return new KeyPair(pk, sk);
  }

  /** The shared secretbox key; IllegalArgumentException if theirPk is a low-order point (as libsodium fails). */
  public static byte[] boxBeforeNm(byte[] theirPk, byte[] mySk) {
    byte[] k = sharedKeyOrNull(theirPk, mySk);
    if (k == null) {
      throw new IllegalArgumentException("theirPk is a low-order point (all-zero shared secret)");
    }
    return k;
  }


  public static byte[] boxOpen(byte[] box, byte[] nonce24, byte[] theirPk, byte[] mySk) {
    check(nonce24, NONCE_BYTES, "nonce24");
    byte[] k = sharedKeyOrNull(theirPk, mySk);
    return k == null ? null : secretboxOpen(box, nonce24, k);
  }

  private static byte[] sharedKeyOrNull(byte[] theirPk, byte[] mySk) {
    check(theirPk, BOX_PUBLIC_KEY_BYTES, "theirPk");
    check(mySk, BOX_SECRET_KEY_BYTES, "mySk");
    byte[] shared = new byte[32];
    if (!X25519.calculateAgreement(mySk, 0, theirPk, 0, shared, 0)) {
      return null;
    }
    return hsalsa20(shared, new byte[16]);
  }

  /** HSalsa20: the Salsa20 core without the final feed-forward, keeping words 0,5,10,15,6,7,8,9. */
  private static byte[] hsalsa20(byte[] key32, byte[] nonce16) {
    int[] in = new int[16];
    in[0] = SIGMA[0];
    in[5] = SIGMA[1];
    in[10] = SIGMA[2];
    in[15] = SIGMA[3];
    Pack.littleEndianToInt(key32, 0, in, 1, 4);
    Pack.littleEndianToInt(nonce16, 0, in, 6, 4);
    Pack.littleEndianToInt(key32, 16, in, 11, 4);
    int[] x = new int[16];
    Salsa20Engine.salsaCore(20, in, x); // x = rounds(in) + in, so subtract in again
    int[] idx = {0, 5, 10, 15, 6, 7, 8, 9};
    byte[] out = new byte[32];
    for (int i = 0; i < idx.length; i++) {
      Pack.intToLittleEndian(x[idx[i]] - in[idx[i]], out, i * 4);
    }
    return out;
  }

  // ---- crypto_secretbox (XSalsa20-Poly1305) ----

  public static byte[] secretboxSeal(byte[] msg, byte[] nonce24, byte[] key32) {
    XSalsa20Engine stream = xsalsa(nonce24, key32);
    Poly1305 mac = polyFromStream(stream);
    byte[] out = new byte[MAC_BYTES + msg.length];
    stream.processBytes(msg, 0, msg.length, out, MAC_BYTES);
    mac.update(out, MAC_BYTES, msg.length);
    mac.doFinal(out, 0);
    return out;
  }

  public static byte[] secretboxOpen(byte[] box, byte[] nonce24, byte[] key32) {
    XSalsa20Engine stream = xsalsa(nonce24, key32);
    if (box == null || box.length < MAC_BYTES) {
      return null;
    }
    Poly1305 mac = polyFromStream(stream);
    mac.update(box, MAC_BYTES, box.length - MAC_BYTES);
    byte[] tag = new byte[MAC_BYTES];
    mac.doFinal(tag, 0);
    if (!MessageDigest.isEqual(tag, Arrays.copyOf(box, MAC_BYTES))) { // constant-time compare
      return null;
    }
    byte[] msg = new byte[box.length - MAC_BYTES];
    stream.processBytes(box, MAC_BYTES, msg.length, msg, 0);
    return msg;
  }

  private static XSalsa20Engine xsalsa(byte[] nonce24, byte[] key32) {
    check(nonce24, NONCE_BYTES, "nonce24");
    check(key32, SECRETBOX_KEY_BYTES, "key32");
    XSalsa20Engine e = new XSalsa20Engine();
    e.init(true, new ParametersWithIV(new KeyParameter(key32), nonce24));
    return e;
  }

  /** NaCl's one-time Poly1305 key is the first 32 keystream bytes; encryption starts after them. */
  private static Poly1305 polyFromStream(XSalsa20Engine stream) {
    byte[] polyKey = new byte[32];
    stream.processBytes(polyKey, 0, 32, polyKey, 0);
    Poly1305 mac = new Poly1305(); // clamps r itself
    mac.init(new KeyParameter(polyKey));
    return mac;
  }

  private static void check(byte[] b, int len, String name) {
    if (b == null || b.length != len) {
      throw new IllegalArgumentException(
          name + " must be " + len + " bytes, got " + (b == null ? "null" : b.length));
    }
  }
}
