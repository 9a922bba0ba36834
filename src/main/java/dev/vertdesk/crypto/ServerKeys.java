package dev.vertdesk.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's Ed25519 key pair and the {@code key} option ({@code -k} / {@code KEY}), as in
 * docs/protocol.md §6.1.
 *
 * <p>Key files in the data directory: {@value #SECRET_FILE} holds standard base64 of the 64-byte
 * secret key (seed ‖ pk, 88 characters, no newline) and {@value #PUBLIC_FILE} base64 of the
 * 32-byte public key, which is the string admins give to clients.
 *
 * <p>Key option:
 * <ul>
 *   <li>{@code "-"} or {@code "_"}: load or generate the files; clients must send the file's pk.
 *   <li>base64 of a 64-byte secret key: use it; validation key is its pk half; files untouched.
 *   <li>{@code ""}: no key check, but the signing key still comes from (or goes to) the files.
 *   <li>anything else: compared verbatim with what clients send; no signing key.
 * </ul>
 *
 * <p>{@link #load} does blocking file I/O on purpose (it runs once at start-up); call it from a
 * worker thread, never from an event loop. Instances are immutable and thread-safe.
 */
public final class ServerKeys {

  public static final String SECRET_FILE = "id_ed25519";
  public static final String PUBLIC_FILE = "id_ed25519.pub";
  /** Re-generation rounds for a pk without '/' or ':' (clients embed it in Windows file names). */
  static final int MAX_REGENERATIONS = 300;

  private static final Base64.Encoder B64 = Base64.getEncoder();

  private final String validationKey; // null: no key check
  private final byte[] secretKey; // null: cannot sign
  private final boolean generated;

  private ServerKeys(String validationKey, byte[] secretKey, boolean generated) {
    this.validationKey = validationKey;
    this.secretKey = secretKey;
    this.generated = generated;
  }

  /**
   * Resolves the key option against the key files in {@code dataDir}.
   *
   * @throws KeyFileException if the files are malformed, inconsistent, unreadable or cannot be created
   * @throws IllegalArgumentException if the option is a 64-byte secret key whose halves do not match
   */
  public static ServerKeys load(Path dataDir, String keyOption) {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(keyOption, "keyOption");
    byte[] fromOption = decodeSecretKey(keyOption);
    if (fromOption != null) {
      if (!halvesMatch(fromOption)) {
        // libsodium would happily sign with it, but no client could verify those signatures.
        throw new IllegalArgumentException(
            "key option is a 64-byte secret key whose second half is not the public key of its seed");
      }
      return new ServerKeys(B64.encodeToString(Nacl.publicKeyOf(fromOption)), fromOption, false);
    }
    if (keyOption.isEmpty() || keyOption.equals("-") || keyOption.equals("_")) {
      Path skFile = dataDir.resolve(SECRET_FILE);
      boolean generate = !Files.exists(skFile, LinkOption.NOFOLLOW_LINKS);
      byte[] sk = generate ? generate(dataDir) : readSecretFile(dataDir);
      String pk = B64.encodeToString(Nacl.publicKeyOf(sk));
      return new ServerKeys(keyOption.isEmpty() ? null : pk, sk, generate);
    }
    return new ServerKeys(keyOption, null, false);
  }

  /** The string clients must send as {@code licence_key}; empty means no check. */
  public Optional<String> validationKey() {
    return Optional.ofNullable(validationKey);
  }

  public boolean canSign() {
    return secretKey != null;
  }

  /** The signing pair's pk in base64, else the verbatim validation key, else null; for the start-up log. */
  public String publicKeyBase64() {
    return secretKey != null ? B64.encodeToString(Nacl.publicKeyOf(secretKey)) : validationKey;
  }


  /** libsodium combined signature (64-byte signature ‖ msg). @throws IllegalStateException if !canSign() */
  public byte[] sign(byte[] msg) {
    return Nacl.sign(msg, requireSecretKey());
  }

  /** True if this load created the key files. */
  public boolean generated() {
    return generated;
  }

  @Override
  public String toString() { // never the secret
    return "ServerKeys[validationKey=" + validationKey + ", canSign=" + canSign() + ", generated=" + generated + "]";
  }

  /**
   * A sealing key for secrets kept in the database, derived from the secret key; the same on every
   * node that shares this key pair.
   *
   * @throws IllegalStateException if {@link #canSign()} is false (no secret key to derive from)
   */
  public SealedSecrets sealedSecrets(String purpose) {
    return SealedSecrets.derive(requireSecretKey(), purpose);
  }

  private byte[] requireSecretKey() {
    if (secretKey == null) {
      throw new IllegalStateException("no signing key: the key option is a bare public key");
    }
    return secretKey;
  }

  private static byte[] decodeSecretKey(String s) {
    try {
      byte[] b = Base64.getDecoder().decode(s);
      return b.length == Nacl.SIGN_SECRET_KEY_BYTES ? b : null;
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }

  private static boolean halvesMatch(byte[] sk) {
    byte[] seed = Arrays.copyOf(sk, Nacl.SIGN_SEED_BYTES);
    return Arrays.equals(Nacl.signSecretKeyFromSeed(seed), sk);
  }

  private static byte[] readSecretFile(Path dataDir) {
    Path skFile = dataDir.resolve(SECRET_FILE);
    byte[] sk;
    try {
      sk = Base64.getDecoder().decode(readTrimmed(skFile));
    } catch (IllegalArgumentException e) {
      throw new KeyFileException("malformed private key file " + skFile + ": not base64 (" + e.getMessage()
          + "); expected base64 of the 64-byte Ed25519 secret key");
    }
    if (sk.length != Nacl.SIGN_SECRET_KEY_BYTES) {
      throw new KeyFileException("malformed private key file " + skFile + ": decodes to " + sk.length
          + " bytes, expected 64 (Ed25519 seed followed by public key)");
    }
    if (!halvesMatch(sk)) {
      throw new KeyFileException("corrupt private key file " + skFile
          + ": its second half is not the public key of its seed");
    }
    Path pkFile = dataDir.resolve(PUBLIC_FILE);
    if (Files.exists(pkFile, LinkOption.NOFOLLOW_LINKS)) {
      String expected = B64.encodeToString(Nacl.publicKeyOf(sk));
      if (!readTrimmed(pkFile).equals(expected)) {
        throw new KeyFileException("public key file " + pkFile + " does not match " + skFile
            + " (expected " + expected + "); delete or fix one of them");
      }
    }
    return sk;
  }

  private static String readTrimmed(Path file) {
    try {
      // ISO-8859-1 never fails to decode, so stray bytes surface as "not base64" instead of an I/O error.
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).strip();
    } catch (IOException e) {
      throw new KeyFileException("cannot read key file " + file + ": " + e, e);
    }
  }

  private static byte[] generate(Path dataDir) {
    Path skFile = dataDir.resolve(SECRET_FILE);
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new KeyFileException("cannot create data directory " + dataDir + " for " + skFile + ": " + e, e);
    }
    if (!Files.isWritable(dataDir)) {
      throw new KeyFileException("data directory " + dataDir + " is not writable; cannot create " + skFile);
    }
    Nacl.KeyPair kp = Nacl.signKeyPair();
    String pk = B64.encodeToString(kp.publicKey());
    for (int i = 0; i < MAX_REGENERATIONS && (pk.contains("/") || pk.contains(":")); i++) {
      kp = Nacl.signKeyPair();
      pk = B64.encodeToString(kp.publicKey());
    }
    // Secret first and never over an existing file: if another process (hbbr, a second node) won
    // the race, adopt its key. Only the winner then writes .pub, so the pair stays consistent.
    try {
      writeViaTemp(skFile, B64.encodeToString(kp.secretKey()), "rw-------", false);
    } catch (FileAlreadyExistsException raced) {
      return readSecretFile(dataDir);
    } catch (IOException e) {
      throw new KeyFileException("cannot write private key file " + skFile + ": " + e, e);
    }
    Path pkFile = dataDir.resolve(PUBLIC_FILE);
    try {
      writeViaTemp(pkFile, pk, "rw-r--r--", true);
    } catch (IOException e) {
      throw new KeyFileException("cannot write public key file " + pkFile + ": " + e, e);
    }
    return kp.secretKey();
  }

  /** Readers never see a half-written file: write a temp file beside the target, then rename. */
  private static void writeViaTemp(Path target, String content, String perms, boolean replace) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    boolean posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
    FileAttribute<?>[] attrs = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
    try {
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      if (posix) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(perms));
      }
      if (replace) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.move(tmp, target); // fails with FileAlreadyExistsException if the target exists
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
