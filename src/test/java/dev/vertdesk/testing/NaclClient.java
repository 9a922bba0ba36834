package dev.vertdesk.testing;

import dev.vertdesk.crypto.Nacl;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * What a RustDesk client does with NaCl that the server never does: seal a box to the server
 * (the secure-TCP KeyExchange) and verify a detached signature (the server-signed IdPk).
 */
public final class NaclClient {

  private NaclClient() {
  }

  /** libsodium's {@code crypto_box_easy}: the secretbox under the X25519/HSalsa20 shared key. */
  public static byte[] boxSeal(byte[] msg, byte[] nonce24, byte[] theirPk, byte[] mySk) {
    return Nacl.secretboxSeal(msg, nonce24, Nacl.boxBeforeNm(theirPk, mySk));
  }

  /** libsodium's {@code crypto_sign_verify_detached}. */
  public static boolean verifyDetached(byte[] sig, byte[] msg, byte[] pk32) {
    if (pk32 == null || pk32.length != Nacl.SIGN_PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("pk32 must be " + Nacl.SIGN_PUBLIC_KEY_BYTES + " bytes");
    }
    return sig != null && sig.length == Nacl.SIGNATURE_BYTES && msg != null
        && Ed25519.verify(sig, 0, pk32, 0, msg, 0, msg.length);
  }

  /** The server's signing key as clients have it: its base64 public key. */
  public static byte[] publicKey(dev.vertdesk.crypto.ServerKeys keys) {
    return java.util.Base64.getDecoder().decode(keys.publicKeyBase64());
  }
}
