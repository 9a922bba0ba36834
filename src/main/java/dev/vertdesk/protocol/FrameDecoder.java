package dev.vertdesk.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * Streaming decoder for the TCP length-prefix framing (docs/protocol.md §2.1).
 *
 * <p>Bytes are fed as they arrive, split anywhere; each complete payload is handed to a
 * {@link FrameSink} in order, including empty (length 0) frames. Non-minimal headers are
 * accepted, like the reference decoder. At most one partial frame is held. A header announcing
 * more than {@code maxFrameSize} throws {@link FrameTooLargeException} before any of its
 * payload is buffered; the decoder then stays failed, because the stream position is lost. A sink
 * may instead have such a frame skipped ({@link FrameSink#skipOversized}): its payload is then
 * discarded as it arrives, never held, and decoding goes on after it.
 *
 * <p>The sink can stop decoding by returning {@code false}, e.g. when the relay has read the
 * first frame and must switch to raw forwarding (§7.3). The bytes of the same feed that follow
 * that frame, and any bytes fed while stopped, are kept verbatim and returned by
 * {@link #drainRemaining()}, which also makes the decoder usable again (a caller that wants to
 * keep decoding simply feeds the drained bytes back).
 *
 * <p>Not thread-safe; meant for one connection on one event loop. The sink must not call
 * {@link #feed} on the same decoder. No I/O types are used so TCP, WebSocket bridges and tests
 * can share it.
 */
public final class FrameDecoder {

  /** Receives decoded payloads. */
  @FunctionalInterface
  public interface FrameSink {

    /**
     * One complete frame. The array belongs to the sink (it is never reused by the decoder),
     * except that all empty frames share one zero-length array.
     *
     * @return {@code true} to keep decoding, {@code false} to stop after this frame
     */
    boolean frame(byte[] payload);

    /**
     * A header announced {@code length} bytes, more than maxFrameSize.
     *
     * @return {@code true} to discard that payload unread and go on with the next frame;
     *         {@code false} (the default) to fail with {@link FrameTooLargeException}
     */
    default boolean skipOversized(long length) {
      return false;
    }
  }

  private static final byte[] EMPTY = new byte[0];

  /**
   * First allocation for a frame whose payload is not all here yet. A header alone could
   * otherwise make us allocate up to maxFrameSize for a peer that then sends nothing (the
   * reference caps such speculative allocation too); the array grows as bytes really arrive.
   */
  static final int INITIAL_CHUNK = 64 * 1024;

  private final int maxFrameSize;

  // Raw header bytes of the frame in progress (whether the header itself is still incomplete or
  // its payload is); kept raw so drainRemaining can return them verbatim, non-minimal forms too.
  private final byte[] header = new byte[FrameCodec.MAX_HEADER];
  private int headerHave;
  private int headerNeed;

  // Partial payload; null between frames. Capacity never exceeds payloadExpected.
  private byte[] payload;
  private int payloadExpected;
  private int payloadFilled;

  // Bytes kept untouched after the sink asked to stop.
  private boolean stopped;
  private byte[] rest = EMPTY;
  private int restLength;

  private boolean failed;
  // Payload bytes of a skipped oversized frame still to come and be discarded.
  private long skipping;

  /**
   * @param maxFrameSize largest accepted payload, 0..{@link FrameCodec#MAX_PAYLOAD}
   */
  public FrameDecoder(int maxFrameSize) {
    if (maxFrameSize < 0 || maxFrameSize > FrameCodec.MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "maxFrameSize " + maxFrameSize + " outside 0.." + FrameCodec.MAX_PAYLOAD);
    }
    this.maxFrameSize = maxFrameSize;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }

  /**
   * Decodes {@code data[off, off+len)}, calling {@code sink} for every frame completed by it.
   * The bytes are copied where they must outlive the call, so the caller may reuse its array.
   * If the sink throws, the exception propagates and the rest of this feed is discarded.
   *
   * @throws FrameTooLargeException as soon as a header announces more than maxFrameSize
   * @throws ProtocolException      if the decoder already failed, or if more than
   *                                maxFrameSize + 4 bytes pile up while stopped
   */
  public void feed(byte[] data, int off, int len, FrameSink sink) {
    Objects.checkFromIndexSize(off, len, data.length);
    Objects.requireNonNull(sink, "sink");
    if (failed) {
      throw new ProtocolException("frame decoder already failed");
    }
    if (stopped) {
      keepWhileStopped(data, off, len);
      return;
    }
    int pos = off;
    final int end = off + len;
    while (pos < end) {
      byte[] frame;
      if (skipping > 0) {
        int take = (int) Math.min(skipping, end - pos);
        pos += take;
        skipping -= take;
        continue;
      }
      if (payload == null) {
        int n;
        int k = (data[pos] & 3) + 1;
        int headerStart = pos;
        if (headerHave == 0 && end - pos >= k) {
          // Fast path: whole header in this array, staged only if the payload is incomplete.
          n = announce(readLength(data, pos, k), sink);
          pos += k;
        } else {
          if (headerHave == 0) {
            headerNeed = k;
          }
          int take = Math.min(headerNeed - headerHave, end - pos);
          System.arraycopy(data, pos, header, headerHave, take);
          headerHave += take;
          pos += take;
          if (headerHave < headerNeed) {
            return;
          }
          n = announce(readLength(header, 0, headerNeed), sink);
          headerStart = -1; // already staged
        }
        if (n < 0) {
          headerHave = 0; // skipping its payload: nothing of this frame is kept
          headerNeed = 0;
          continue;
        }
        if (n == 0 || end - pos >= n) {
          // Whole payload present: the single copy into the array handed to the sink.
          frame = n == 0 ? EMPTY : Arrays.copyOfRange(data, pos, pos + n);
          pos += n;
          headerHave = 0;
          headerNeed = 0;
        } else {
          if (headerStart >= 0) {
            // Keep the raw header so drainRemaining() can return the partial frame verbatim.
            headerNeed = pos - headerStart;
            headerHave = headerNeed;
            System.arraycopy(data, headerStart, header, 0, headerHave);
          }
          int avail = end - pos;
          payload = new byte[Math.min(n, Math.max(avail, INITIAL_CHUNK))];
          payloadExpected = n;
          System.arraycopy(data, pos, payload, 0, avail);
          payloadFilled = avail;
          return;
        }
      } else {
        int take = Math.min(payloadExpected - payloadFilled, end - pos);
        ensurePayloadCapacity(payloadFilled + take);
        System.arraycopy(data, pos, payload, payloadFilled, take);
        payloadFilled += take;
        pos += take;
        if (payloadFilled < payloadExpected) {
          return;
        }
        frame = payload; // capacity == expected here, see ensurePayloadCapacity
        payload = null;
        payloadExpected = 0;
        payloadFilled = 0;
        headerHave = 0;
        headerNeed = 0;
      }
      if (!sink.frame(frame)) {
        stopped = true;
        appendRest(data, pos, end - pos);
        return;
      }
    }
  }

  /** Convenience for {@code feed(data, 0, data.length, sink)}. */
  public void feed(byte[] data, FrameSink sink) {
    feed(data, 0, data.length, sink);
  }

  /**
   * Bytes currently held: the header and received payload of an incomplete frame, plus anything
   * kept after a stop.
   */
  public int buffered() {
    return headerHave + payloadFilled + restLength;
  }

  /**
   * Returns every byte received but not delivered as a frame, in arrival order and exactly as
   * received (a partial frame's header included), and resets the decoder to its initial,
   * running state. A failed decoder stays failed.
   */
  public byte[] drainRemaining() {
    int total = buffered();
    byte[] out = total == 0 ? EMPTY : new byte[total];
    int p = 0;
    System.arraycopy(header, 0, out, p, headerHave);
    p += headerHave;
    if (payload != null) {
      System.arraycopy(payload, 0, out, p, payloadFilled);
      p += payloadFilled;
    }
    System.arraycopy(rest, 0, out, p, restLength);
    headerHave = 0;
    headerNeed = 0;
    payload = null;
    payloadExpected = 0;
    payloadFilled = 0;
    rest = EMPTY;
    restLength = 0;
    stopped = false;
    return out;
  }

  /** Little-endian header value of {@code k} bytes, shifted to the payload length. */
  private static long readLength(byte[] b, int off, int k) {
    long v = 0;
    for (int i = 0; i < k; i++) {
      v |= (b[off + i] & 0xFFL) << (8 * i);
    }
    return v >>> 2;
  }

  /** The payload length, or -1 when an oversized frame is to be skipped. */
  private int announce(long n, FrameSink sink) {
    if (n > maxFrameSize) {
      if (sink.skipOversized(n)) {
        skipping = n;
        return -1;
      }
      // Drop the header so buffered() reflects that nothing of this frame is kept.
      failed = true;
      headerHave = 0;
      headerNeed = 0;
      throw new FrameTooLargeException(n, maxFrameSize);
    }
    return (int) n;
  }

  private void ensurePayloadCapacity(int needed) {
    if (needed <= payload.length) {
      return;
    }
    // Double to keep copying amortised, but never beyond the announced length so the final
    // array is exactly the payload and no allocation exceeds maxFrameSize.
    long grown = Math.max(needed, 2L * payload.length);
    payload = Arrays.copyOf(payload, (int) Math.min(payloadExpected, grown));
  }

  private void keepWhileStopped(byte[] data, int off, int len) {
    // A peer that keeps sending while nobody drains is bounded like an ordinary partial frame.
    if (len > 0 && (long) restLength + len > (long) maxFrameSize + FrameCodec.MAX_HEADER) {
      failed = true;
      throw new ProtocolException(
          "more than " + maxFrameSize + " bytes arrived while the decoder was stopped");
    }
    appendRest(data, off, len);
  }

  private void appendRest(byte[] data, int off, int len) {
    if (len == 0) {
      return;
    }
    int needed = restLength + len;
    if (needed > rest.length) {
      // Doubling amortises repeated appends; it never overshoots the stopped-state bound.
      long grown = Math.min(2L * rest.length, (long) maxFrameSize + FrameCodec.MAX_HEADER);
      rest = Arrays.copyOf(rest, (int) Math.max(needed, grown));
    }
    System.arraycopy(data, off, rest, restLength, len);
    restLength = needed;
  }
}
