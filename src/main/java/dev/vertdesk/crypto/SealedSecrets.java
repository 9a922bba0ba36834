package dev.vertdesk.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Secrets the server must read back (TOTP seeds) are kept sealed in the database: AES-256-GCM
 * under a key derived (HKDF-SHA256) from the server's Ed25519 secret key, which every node of a
 * cluster shares anyway (clients check one key). A stolen database alone does not reveal them.
 * Sealed text is {@code v1:<base64 of nonce ‖ ciphertext+tag>}.
 */
public final class SealedSecrets {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 12;
  private static final String PREFIX = "v1:";

  private final SecretKeySpec key;

  private SealedSecrets(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** @param serverSecret the server's 64-byte Ed25519 secret key; {@code purpose} separates keys */
  public static SealedSecrets derive(byte[] serverSecret, String purpose) {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(serverSecret, "vertdesk".getBytes(StandardCharsets.US_ASCII),
        purpose.getBytes(StandardCharsets.UTF_8)));
    byte[] k = new byte[32];
    hkdf.generateBytes(k, 0, k.length);
    return new SealedSecrets(k);
  }

  public String seal(String plain) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + ct.length)
          .put(nonce).put(ct).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
    }
  }

  /** The plain text; fails when the text was not sealed with this key or was altered. */
  public String open(String sealed) {
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a sealed secret");
    }
    try {
      byte[] all = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, NONCE_BYTES));
      return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("sealed secret does not open with this server key", e);
    }
  }
}
