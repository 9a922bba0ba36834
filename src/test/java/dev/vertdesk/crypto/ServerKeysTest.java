package dev.vertdesk.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.vertdesk.testing.NaclClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerKeysTest {

  @TempDir Path dir;

  private Path sk() {
    return dir.resolve(ServerKeys.SECRET_FILE);
  }

  private Path pub() {
    return dir.resolve(ServerKeys.PUBLIC_FILE);
  }

  // ---- generation and reload ----

  @Test
  void generatesFilesInRustDeskFormatAndReloadsThem() throws IOException {
    ServerKeys first = ServerKeys.load(dir, "-");
    assertTrue(first.generated());
    assertTrue(first.canSign());

    String skText = Files.readString(sk(), StandardCharsets.US_ASCII);
    String pkText = Files.readString(pub(), StandardCharsets.US_ASCII);
    assertEquals(88, skText.length(), "88 base64 chars, no newline");
    assertEquals(44, pkText.length(), "44 base64 chars, no newline");
    assertTrue(pkText.endsWith("="));
    assertFalse(pkText.contains("/"), "pk must be usable in a Windows file name");
    assertFalse(pkText.contains(":"));
    byte[] skBytes = Base64.getDecoder().decode(skText);
    assertArrayEquals(Nacl.signSecretKeyFromSeed(Arrays.copyOf(skBytes, 32)), skBytes);
    assertArrayEquals(Base64.getDecoder().decode(pkText), Nacl.publicKeyOf(skBytes));

    assertEquals(Optional.of(pkText), first.validationKey());
    assertEquals(pkText, first.publicKeyBase64());
    assertArrayEquals(Base64.getDecoder().decode(pkText), NaclClient.publicKey(first));

    ServerKeys again = ServerKeys.load(dir, "-");
    assertFalse(again.generated());
    assertEquals(first.validationKey(), again.validationKey());
    assertArrayEquals(NaclClient.publicKey(first), NaclClient.publicKey(again));
    assertEquals(skText, Files.readString(sk()), "reload must not rewrite the secret");
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temp files left behind");
    }
  }

  @Test
  void secretFileIsOwnerOnly() throws IOException {
    ServerKeys.load(dir, "-");
    if (Files.getFileAttributeView(sk(), PosixFileAttributeView.class) != null) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sk())));
      assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(pub())));
    }
  }

  @Test
  void underscoreBehavesLikeDash() {
    ServerKeys a = ServerKeys.load(dir, "_");
    assertTrue(a.generated());
    ServerKeys b = ServerKeys.load(dir, "-");
    assertEquals(a.validationKey(), b.validationKey());
    assertTrue(b.canSign());
  }

  @Test
  void createsMissingDataDirectory() {
    Path nested = dir.resolve("a/b");
    ServerKeys keys = ServerKeys.load(nested, "-");
    assertTrue(keys.generated());
    assertTrue(Files.exists(nested.resolve(ServerKeys.SECRET_FILE)));
  }

  @Test
  void unwritableDirectoryIsAClearError() throws IOException {
    // A regular file where the directory should be fails even for root, unlike chmod 0555.
    Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
    KeyFileException e = assertThrows(KeyFileException.class, () -> ServerKeys.load(blocker.resolve("data"), "-"));
    assertTrue(e.getMessage().contains(blocker.resolve("data").toString()), e.getMessage());
  }

  @Test
  void readOnlyDirectoryIsAClearError() throws IOException {
    Path ro = Files.createDirectory(dir.resolve("ro"));
    assumeTrue(Files.getFileAttributeView(ro, PosixFileAttributeView.class) != null, "needs POSIX permissions");
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assumeFalse(Files.isWritable(ro), "root can write anywhere; covered by unwritableDirectoryIsAClearError");
      KeyFileException e = assertThrows(KeyFileException.class, () -> ServerKeys.load(ro, "-"));
      assertTrue(e.getMessage().contains("not writable") && e.getMessage().contains(ro.toString()), e.getMessage());
    } finally {
      Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  // ---- the key option table ----

  @Test
  void secretKeyAsOptionIsUsedAndFilesAreNotTouched() {
    Nacl.KeyPair kp = Nacl.signKeyPair();
    String pk = Base64.getEncoder().encodeToString(kp.publicKey());
    ServerKeys keys = ServerKeys.load(dir, Base64.getEncoder().encodeToString(kp.secretKey()));
    assertEquals(Optional.of(pk), keys.validationKey());
    assertTrue(keys.canSign());
    assertFalse(keys.generated());
    assertEquals(pk, keys.publicKeyBase64());
    assertArrayEquals(kp.publicKey(), NaclClient.publicKey(keys));
    assertArrayEquals(Nacl.sign(new byte[] {1, 2}, kp.secretKey()), keys.sign(new byte[] {1, 2}));
    assertFalse(Files.exists(sk()));
    assertFalse(Files.exists(pub()));
  }

  @Test
  void inconsistentSecretKeyAsOptionIsRejected() {
    byte[] sk = Nacl.signKeyPair().secretKey();
    sk[40] ^= 1;
    String option = Base64.getEncoder().encodeToString(sk);
    assertThrows(IllegalArgumentException.class, () -> ServerKeys.load(dir, option));
  }

  @Test
  void emptyOptionDisablesValidationButStillSignsFromFiles() throws IOException {
    ServerKeys keys = ServerKeys.load(dir, "");
    assertEquals(Optional.empty(), keys.validationKey());
    assertTrue(keys.canSign());
    assertTrue(keys.generated());
    String pkText = Files.readString(pub());
    assertEquals(pkText, keys.publicKeyBase64());

    ServerKeys reloaded = ServerKeys.load(dir, "");
    assertFalse(reloaded.generated());
    assertEquals(pkText, reloaded.publicKeyBase64());
  }

  @Test
  void anyOtherStringIsAVerbatimValidationKeyWithoutSigning() {
    String pk = Base64.getEncoder().encodeToString(Nacl.signKeyPair().publicKey());
    for (String option : new String[] {pk, "my password", "--", " - "}) {
      ServerKeys keys = ServerKeys.load(dir, option);
      assertEquals(Optional.of(option), keys.validationKey());
      assertFalse(keys.canSign());
      assertFalse(keys.generated());
      assertEquals(option, keys.publicKeyBase64());
      assertThrows(IllegalStateException.class, () -> keys.sign(new byte[1]));
    }
    assertFalse(Files.exists(sk()), "a bare key option must not create files");
  }

  // ---- malformed files ----

  @Test
  void notBase64FileIsRejectedNamingThePath() throws IOException {
    Files.writeString(sk(), "this is not base64!");
    assertKeyFileError("-", sk());
  }

  @Test
  void wrongLengthFileIsRejected() throws IOException {
    Files.writeString(sk(), Base64.getEncoder().encodeToString(new byte[32])); // a bare seed / pk
    KeyFileException e = assertKeyFileError("-", sk());
    assertTrue(e.getMessage().contains("32"), e.getMessage());
    Files.writeString(sk(), "");
    assertKeyFileError("-", sk());
  }

  @Test
  void secondHalfNotMatchingSeedIsRejected() throws IOException {
    byte[] a = Nacl.signKeyPair().secretKey();
    byte[] b = Nacl.signKeyPair().secretKey();
    System.arraycopy(b, 32, a, 32, 32);
    Files.writeString(sk(), Base64.getEncoder().encodeToString(a));
    assertKeyFileError("-", sk());
    assertKeyFileError("", sk()); // the empty option still loads the files
  }

  @Test
  void mismatchingPubFileIsRejected() throws IOException {
    ServerKeys.load(dir, "-");
    Files.writeString(pub(), Base64.getEncoder().encodeToString(Nacl.signKeyPair().publicKey()));
    assertKeyFileError("-", pub());
  }

  @Test
  void missingPubFileIsTolerated() throws IOException {
    ServerKeys first = ServerKeys.load(dir, "-");
    Files.delete(pub());
    ServerKeys again = ServerKeys.load(dir, "-");
    assertEquals(first.validationKey(), again.validationKey());
  }

  @Test
  void whitespaceAroundFileContentIsAccepted() throws IOException {
    Nacl.KeyPair kp = Nacl.signKeyPair();
    String pk = Base64.getEncoder().encodeToString(kp.publicKey());
    Files.writeString(sk(), "  \n" + Base64.getEncoder().encodeToString(kp.secretKey()) + "\r\n");
    Files.writeString(pub(), pk + "\n");
    ServerKeys keys = ServerKeys.load(dir, "-");
    assertFalse(keys.generated());
    assertEquals(Optional.of(pk), keys.validationKey());
    assertArrayEquals(kp.publicKey(), NaclClient.publicKey(keys));
  }

  // ---- signing ----

  @Test
  void signaturesVerifyWithThePublishedKey() throws IOException {
    ServerKeys keys = ServerKeys.load(dir, "-");
    byte[] msg = "IdPk{id: 123456789}".getBytes(StandardCharsets.UTF_8);
    byte[] signed = keys.sign(msg);
    assertEquals(64 + msg.length, signed.length);
    // what a client does: decode the configured key string and open the signed message
    byte[] clientKey = Base64.getDecoder().decode(Files.readString(pub()));
    assertArrayEquals(msg, Nacl.openSigned(signed, clientKey));
    signed[3] ^= 1;
    assertNull(Nacl.openSigned(signed, clientKey));
  }

  @Test
  void toStringDoesNotLeakTheSecret() throws IOException {
    ServerKeys keys = ServerKeys.load(dir, "-");
    String secret = Files.readString(sk());
    assertFalse(keys.toString().contains(secret));
    assertFalse(keys.toString().contains(secret.substring(0, 43)));
  }

  private KeyFileException assertKeyFileError(String option, Path expectedPath) {
    KeyFileException e = assertThrows(KeyFileException.class, () -> ServerKeys.load(dir, option));
    assertTrue(e.getMessage().contains(expectedPath.toString()), e.getMessage());
    return e;
  }
}
