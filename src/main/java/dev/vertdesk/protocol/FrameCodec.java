package dev.vertdesk.protocol;

/**
 * Encoder side of the TCP length-prefix framing (docs/protocol.md §2.1).
 *
 * <p>The header is a little-endian integer of 1–4 bytes whose two low bits hold (byte count − 1)
 * and whose remaining bits hold the payload length. The smallest form is always written, as the
 * reference encoder does. Decoding lives in {@link FrameDecoder}.
 */
public final class FrameCodec {

  /** Largest payload a header can express (30 bits). */
  public static final int MAX_PAYLOAD = 0x3FFFFFFF;

  /** Longest possible header. */
  public static final int MAX_HEADER = 4;

  private FrameCodec() {
  }

  /**
   * Number of header bytes the smallest form needs for {@code payloadLength}.
   *
   * @throws IllegalArgumentException if the length is negative or above {@link #MAX_PAYLOAD}
   */
  public static int headerLength(int payloadLength) {
    check(payloadLength);
    if (payloadLength <= 0x3F) {
      return 1;
    }
    if (payloadLength <= 0x3FFF) {
      return 2;
    }
    if (payloadLength <= 0x3FFFFF) {
      return 3;
    }
    return 4;
  }

  /** The smallest header for {@code payloadLength}, as a fresh 1–4 byte array. */
  public static byte[] header(int payloadLength) {
    byte[] h = new byte[headerLength(payloadLength)];
    writeHeader(payloadLength, h, 0);
    return h;
  }

  /**
   * Writes the smallest header for {@code payloadLength} into {@code dst} at {@code off}; lets a
   * caller assemble header and payload in a buffer of its own without an intermediate array.
   *
   * @return the number of bytes written (1–4)
   */
  public static int writeHeader(int payloadLength, byte[] dst, int off) {
    int k = headerLength(payloadLength);
    // payloadLength < 2^30, so the shift cannot lose bits; values >= 2^29 merely set the int's
    // sign bit, which the unsigned shifts below read back correctly.
    int value = (payloadLength << 2) | (k - 1);
    for (int i = 0; i < k; i++) {
      dst[off + i] = (byte) (value >>> (8 * i));
    }
    return k;
  }

  /** Header followed by the whole of {@code payload}, in one array. */
  public static byte[] encode(byte[] payload) {
    return encode(payload, 0, payload.length);
  }

  /** Header followed by {@code payload[off, off+len)}, in one array. */
  public static byte[] encode(byte[] payload, int off, int len) {
    if (off < 0 || len < 0 || off > payload.length - len) {
      throw new IndexOutOfBoundsException("off=" + off + " len=" + len + " size=" + payload.length);
    }
    int k = headerLength(len);
    byte[] out = new byte[k + len];
    writeHeader(len, out, 0);
    System.arraycopy(payload, off, out, k, len);
    return out;
  }

  private static void check(int payloadLength) {
    if (payloadLength < 0 || payloadLength > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "payload length " + payloadLength + " outside 0.." + MAX_PAYLOAD);
    }
  }
}
