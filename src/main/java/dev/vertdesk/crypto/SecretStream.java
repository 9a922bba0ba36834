package dev.vertdesk.crypto;

/**
 * Per-message secretbox encryption of a framed stream after a KeyExchange (docs/protocol.md §2.4,
 * §6.4): one counter per direction starting at 0, incremented before use, nonce = counter as
 * 8 bytes little-endian followed by 16 zero bytes. Frames of 0 or 1 bytes (heartbeats) pass
 * through in clear and use no nonce. One instance per connection, used from its event loop only.
 */
public final class SecretStream {

  private final byte[] key;
  private long sendCounter;
  private long receiveCounter;

  public SecretStream(byte[] key) {
    if (key.length != Nacl.SECRETBOX_KEY_BYTES) {
      throw new IllegalArgumentException("key must be 32 bytes");
    }
    this.key = key.clone();
  }

  private static byte[] nonce(long counter) {
    byte[] n = new byte[Nacl.NONCE_BYTES];
    for (int i = 0; i < 8; i++) {
      n[i] = (byte) (counter >>> (8 * i));
    }
    return n;
  }

  public byte[] seal(byte[] plain) {
    return Nacl.secretboxSeal(plain, nonce(++sendCounter), key);
  }

  /**
   * A received frame was discarded unread (too large to take in): it used the next receive nonce
   * all the same, so later frames still open.
   */
  public void skipReceived() {
    ++receiveCounter;
  }

  /** The plain payload, the frame itself when shorter than 2 bytes, or null when it fails to open. */
  public byte[] open(byte[] frame) {
    if (frame.length < 2) {
      return frame;
    }
    return Nacl.secretboxOpen(frame, nonce(++receiveCounter), key);
  }
}
