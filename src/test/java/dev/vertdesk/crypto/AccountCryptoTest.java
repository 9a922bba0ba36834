package dev.vertdesk.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Argon2id password hashes, RFC 6238 codes and sealed secrets. */
class AccountCryptoTest {

  @Test
  void argon2idHashesVerifyAndCarryTheirParameters() {
    String h = Argon2id.hash("correct horse");
    assertTrue(h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), h);
    assertTrue(Argon2id.verify("correct horse", h));
    assertFalse(Argon2id.verify("correct horsE", h));
    assertNotEquals(h, Argon2id.hash("correct horse"), "a fresh salt each time");
    assertFalse(Argon2id.verify("x", "$argon2id$v=19$m=999999999,t=2,p=1$AAAA$AAAA"), "a hostile row costs nothing");
    assertFalse(Argon2id.verify("x", "garbage"));
    assertFalse(Argon2id.verify("x", null));
    assertThrows(IllegalArgumentException.class, () -> Argon2id.hash("x".repeat(Argon2id.MAX_PASSWORD_BYTES + 1)));
  }

  @Test
  void totpMatchesTheRfc6238VectorAndRefusesReplays() {
    String secret = Totp.base32("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
    assertEquals("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", secret);
    assertEquals("287082", Totp.code(secret, Totp.step(59_000)), "RFC 6238 appendix B, SHA-1, 6 digits");
    assertEquals("081804", Totp.code(secret, Totp.step(1_111_111_109_000L)));
    long now = 1_111_111_109_000L;
    long step = Totp.accept(secret, "081804", now, 0);
    assertEquals(Totp.step(now), step);
    assertEquals(-1, Totp.accept(secret, "081804", now, step), "a used code is not good again");
    assertEquals(-1, Totp.accept(secret, "081805", now, 0));
    assertEquals(-1, Totp.accept(secret, "81804", now, 0));
    assertEquals(-1, Totp.accept(secret, Totp.code(secret, Totp.step(now) + 2), now, 0), "one step of drift only");
  }

  @Test
  void sealedSecretsOpenOnlyWithTheSameServerKey() {
    byte[] sk = Nacl.signKeyPair().secretKey();
    SealedSecrets totp = SealedSecrets.derive(sk, "totp");
    String sealed = totp.seal("JBSWY3DPEHPK3PXP");
    assertTrue(sealed.startsWith("v1:"));
    assertFalse(sealed.contains("JBSWY3DPEHPK3PXP"));
    assertEquals("JBSWY3DPEHPK3PXP", SealedSecrets.derive(sk, "totp").open(sealed), "another node, same key");
    assertThrows(IllegalArgumentException.class, () -> SealedSecrets.derive(sk, "other").open(sealed));
    assertThrows(IllegalArgumentException.class,
        () -> SealedSecrets.derive(Nacl.signKeyPair().secretKey(), "totp").open(sealed));
    assertThrows(IllegalArgumentException.class, () -> totp.open(sealed.substring(0, sealed.length() - 2) + "AA"));
  }
}
