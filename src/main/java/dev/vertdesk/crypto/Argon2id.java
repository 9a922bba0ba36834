package dev.vertdesk.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashing with Argon2id (RFC 9106) at OWASP's recommended minimum: 19 MiB of memory,
 * 2 passes, 1 lane, a 16-byte random salt and a 32-byte hash, stored in the PHC string form
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}) so that the parameters can be raised
 * later without invalidating stored hashes. Hashing takes tens of milliseconds of one core on
 * purpose: call it off the event loop.
 */
public final class Argon2id {

  public static final int MEMORY_KIB = 19 * 1024;
  public static final int ITERATIONS = 2;
  public static final int PARALLELISM = 1;
  static final int SALT_BYTES = 16;
  static final int HASH_BYTES = 32;
  /** Longer passwords are refused rather than hashed: hashing a megabyte is a denial of service. */
  public static final int MAX_PASSWORD_BYTES = 1024;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private Argon2id() {
  }

  /** The PHC string of {@code password} with a fresh salt. */
  public static String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM
        + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
  }

  /** True when {@code password} matches {@code phc}; false for anything malformed. */
  public static boolean verify(String password, String phc) {
    if (password == null || phc == null) {
      return false;
    }
    String[] parts = phc.split("\\$");
    // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
    if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
      return false;
    }
    try {
      int m = 0;
      int t = 0;
      int p = 0;
      for (String kv : parts[3].split(",")) {
        String[] e = kv.split("=", 2);
        int v = Integer.parseInt(e[1]);
        switch (e[0]) {
          case "m" -> m = v;
          case "t" -> t = v;
          case "p" -> p = v;
          default -> {
            return false;
          }
        }
      }
      // stored hashes are ours; bounds keep a tampered row from costing unbounded memory
      if (m < 8 || m > 1 << 20 || t < 1 || t > 16 || p < 1 || p > 16) {
        return false;
      }
      byte[] salt = B64D.decode(parts[4]);
      byte[] expected = B64D.decode(parts[5]);
      if (expected.length < 16 || expected.length > 64) {
        return false;
      }
      return MessageDigest.isEqual(expected, derive(password, salt, m, t, p, expected.length));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int lanes, int length) {
    byte[] pw = password.getBytes(StandardCharsets.UTF_8);
    if (pw.length > MAX_PASSWORD_BYTES) {
      throw new IllegalArgumentException("password longer than " + MAX_PASSWORD_BYTES + " bytes");
    }
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memoryKib)
        .withIterations(iterations)
        .withParallelism(lanes)
        .withSalt(salt)
        .build());
    byte[] out = new byte[length];
    gen.generateBytes(pw, out);
    return out;
  }
}
