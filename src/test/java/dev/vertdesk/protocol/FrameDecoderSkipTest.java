package dev.vertdesk.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sink that has oversized frames skipped (the secured signaling connection, docs/protocol.md
 * §5.4.13): the payload is discarded as it arrives, nothing of it is held, and the frames after it
 * decode as usual, however the bytes are split.
 */
class FrameDecoderSkipTest {

  static final int MAX = 1024;

  final List<byte[]> frames = new ArrayList<>();
  final List<Long> skipped = new ArrayList<>();
  final FrameDecoder.FrameSink skipping = new FrameDecoder.FrameSink() {
    @Override
    public boolean frame(byte[] payload) {
      frames.add(payload);
      return true;
    }

    @Override
    public boolean skipOversized(long length) {
      skipped.add(length);
      return true;
    }
  };

  private static byte[] stream() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(FrameCodec.encode(new byte[] {1, 2, 3}));
    out.writeBytes(FrameCodec.encode(new byte[70_000])); // a 3-byte header, far over the limit
    out.writeBytes(FrameCodec.encode(new byte[] {4}));
    out.writeBytes(FrameCodec.encode(new byte[MAX + 1]));
    out.writeBytes(FrameCodec.encode(new byte[MAX]));
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 1000, 1 << 20})
  void theFramesAroundASkippedOneDecodeInAnySplit(int chunk) {
    byte[] all = stream();
    FrameDecoder d = new FrameDecoder(MAX);
    int maxHeld = 0;
    for (int off = 0; off < all.length; off += chunk) {
      d.feed(all, off, Math.min(chunk, all.length - off), skipping);
      maxHeld = Math.max(maxHeld, d.buffered());
    }
    assertEquals(List.of(70_000L, (long) MAX + 1), skipped);
    assertEquals(3, frames.size());
    assertArrayEquals(new byte[] {1, 2, 3}, frames.get(0));
    assertArrayEquals(new byte[] {4}, frames.get(1));
    assertEquals(MAX, frames.get(2).length);
    assertEquals(0, d.buffered());
    assertTrue(maxHeld <= MAX + FrameCodec.MAX_HEADER, "never more than one allowed frame held: " + maxHeld);
  }

  @Test
  void aSinkThatDeclinesStillFailsTheDecoder() {
    byte[] big = FrameCodec.encode(new byte[MAX + 1]);
    FrameDecoder d = new FrameDecoder(MAX);
    FrameDecoder.FrameSink declining = new FrameDecoder.FrameSink() {
      @Override
      public boolean frame(byte[] payload) {
        return true;
      }

      @Override
      public boolean skipOversized(long length) {
        return false;
      }
    };
    assertThrows(FrameTooLargeException.class, () -> d.feed(big, 0, big.length, declining));
    assertThrows(ProtocolException.class, () -> d.feed(new byte[] {0}, 0, 1, declining));
  }
}
