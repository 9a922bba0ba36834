package dev.vertdesk.crypto;

import java.util.List;

/**
 * The server side of secure TCP (docs/protocol.md §6.4). The server offers an ephemeral X25519 box
 * key signed with its Ed25519 key; a client that trusts that key answers with its own box key
 * and a sealed 32-byte session key. One offer serves every connection of a process, as clients
 * only need the signature to check out.
 */
public final class ServerHandshake {

  private static final byte[] ZERO_NONCE = new byte[Nacl.NONCE_BYTES];

  private final byte[] boxSecretKey;
  private final byte[] signedOffer;

  public ServerHandshake(ServerKeys keys) {
    Nacl.KeyPair box = Nacl.boxKeyPair();
    this.boxSecretKey = box.secretKey();
    this.signedOffer = keys.sign(box.publicKey());
  }

  /** The single element of the server's {@code KeyExchange.keys}: signature ‖ box public key. */
  public byte[] offer() {
    return signedOffer.clone();
  }

  /**
   * Opens the client's answer {@code [client box pk (32), sealed key (48)]}.
   *
   * @return the session's stream cipher, or null when the answer is malformed or does not open
   */
  public SecretStream accept(List<byte[]> keys) {
    if (keys.size() != 2 || keys.get(0).length != Nacl.BOX_PUBLIC_KEY_BYTES
        || keys.get(1).length != Nacl.SECRETBOX_KEY_BYTES + Nacl.MAC_BYTES) {
      return null;
    }
    byte[] sessionKey;
    try {
      sessionKey = Nacl.boxOpen(keys.get(1), ZERO_NONCE, keys.get(0), boxSecretKey);
    } catch (IllegalArgumentException lowOrderKey) {
      return null;
    }
    if (sessionKey == null || sessionKey.length != Nacl.SECRETBOX_KEY_BYTES) {
      return null;
    }
    return new SecretStream(sessionKey);
  }
}
