package dev.vertdesk.protocol;

import static dev.vertdesk.protocol.FrameCodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.RendezvousMessage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Streaming decoder for the length-prefix framing, docs/protocol.md §2.1 and §7.3. */
class FrameDecoderTest {

  static final int MAX = 8 << 20;

  final List<byte[]> frames = new ArrayList<>();
  final FrameDecoder.FrameSink collect = p -> frames.add(p);

  static byte[] payload(int n, int seed) {
    byte[] p = new byte[n];
    new Random(seed).nextBytes(p);
    return p;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A frame using the smallest header, one of each §2.1 size class, in one buffer. */
  @ParameterizedTest
  @ValueSource(ints = {0, 5, 63, 64, 300, 16383, 16384, 4194303, 4194304})
  void everyHeaderVector(int n) {
    byte[] p = payload(n, n);
    byte[] framed = FrameCodec.encode(p);
    FrameDecoder d = new FrameDecoder(MAX);
    d.feed(framed, 0, framed.length, collect);
    assertEquals(1, frames.size());
    assertArrayEquals(p, frames.get(0));
    assertEquals(0, d.buffered());
  }

  /** Same frames, fed in chunks of 7 bytes: header split and long partial payloads. */
  @ParameterizedTest
  @ValueSource(ints = {0, 5, 63, 64, 300, 16383, 16384, 4194303, 4194304})
  void everyHeaderVectorChunked(int n) {
    byte[] p = payload(n, n + 1);
    byte[] framed = concat(FrameCodec.encode(p), FrameCodec.encode(hex("01 02")));
    FrameDecoder d = new FrameDecoder(MAX);
    feedInChunks(d, framed, n > 100_000 ? 4093 : 7);
    assertEquals(2, frames.size());
    assertArrayEquals(p, frames.get(0));
    assertArrayEquals(hex("01 02"), frames.get(1));
    assertEquals(0, d.buffered());
  }

  @Test
  void registerPeerExample() throws Exception {
    byte[] wire = hex("3c 32 0d 0a 09 31 32 33 34 35 36 37 38 39 10 03");
    FrameDecoder d = new FrameDecoder(1024);
    d.feed(wire, collect);
    assertEquals(1, frames.size());
    RendezvousMessage m = RendezvousMessage.parseFrom(frames.get(0));
    assertEquals("123456789", m.getRegisterPeer().getId());
    assertEquals(3, m.getRegisterPeer().getSerial());
  }

  @Test
  void acceptsNonMinimalHeaders() {
    byte[] five = hex("01 02 03 04 05");
    byte[] wire = concat(
        hex("15 00"), five,             // 2-byte header for 5
        hex("16 00 00"), five,          // 3-byte header
        hex("17 00 00 00"), five,       // 4-byte header
        hex("03 00 00 00"),             // 4-byte header for an empty frame
        hex("14"), five);
    FrameDecoder d = new FrameDecoder(64);
    d.feed(wire, collect);
    assertEquals(5, frames.size());
    assertArrayEquals(five, frames.get(0));
    assertArrayEquals(five, frames.get(1));
    assertArrayEquals(five, frames.get(2));
    assertEquals(0, frames.get(3).length);
    assertArrayEquals(five, frames.get(4));
  }

  @Test
  void emptyFrames() {
    FrameDecoder d = new FrameDecoder(16);
    d.feed(hex("00 00 14 01 02 03 04 05 00"), collect);
    assertEquals(4, frames.size());
    assertEquals(0, frames.get(0).length);
    assertEquals(0, frames.get(1).length);
    assertEquals(5, frames.get(2).length);
    assertEquals(0, frames.get(3).length);
  }

  @Test
  void manyFramesInOneFeed() {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    List<byte[]> sent = new ArrayList<>();
    Random r = new Random(42);
    for (int i = 0; i < 1000; i++) {
      byte[] p = payload(r.nextInt(i % 10 == 0 ? 20_000 : 70), i);
      sent.add(p);
      wire.writeBytes(FrameCodec.encode(p));
    }
    byte[] all = wire.toByteArray();
    FrameDecoder d = new FrameDecoder(MAX);
    d.feed(all, collect);
    assertEquals(sent.size(), frames.size());
    for (int i = 0; i < sent.size(); i++) {
      assertArrayEquals(sent.get(i), frames.get(i), "frame " + i);
    }
    assertEquals(0, d.buffered());
  }

  /** Mixed stream cut at every pair of positions (three feeds), plus one byte at a time. */
  @Test
  void splitAtEveryPosition() {
    List<byte[]> sent = List.of(hex("01 02 03"), new byte[0], payload(64, 1), payload(300, 2),
        hex("aa"), new byte[0], payload(63, 3));
    ByteArrayOutputStream w = new ByteArrayOutputStream();
    for (byte[] p : sent) {
      w.writeBytes(FrameCodec.encode(p));
    }
    w.writeBytes(hex("15 00 09 08 07 06 05")); // non-minimal header too
    byte[] wire = w.toByteArray();
    List<byte[]> expected = new ArrayList<>(sent);
    expected.add(hex("09 08 07 06 05"));

    for (int i = 0; i <= wire.length; i++) {
      for (int j = i; j <= wire.length; j++) {
        frames.clear();
        FrameDecoder d = new FrameDecoder(1024);
        d.feed(wire, 0, i, collect);
        d.feed(wire, i, j - i, collect);
        d.feed(wire, j, wire.length - j, collect);
        assertFrames(expected, "cuts " + i + "," + j);
        assertEquals(0, d.buffered());
      }
    }
    frames.clear();
    FrameDecoder d = new FrameDecoder(1024);
    feedInChunks(d, wire, 1);
    assertFrames(expected, "byte by byte");
  }

  @Test
  void bufferedTracksPartialFrame() {
    FrameDecoder d = new FrameDecoder(1024);
    d.feed(hex("b1"), collect); // first byte of the 2-byte header for 300
    assertEquals(1, d.buffered());
    d.feed(hex("04 aa bb"), collect);
    assertEquals(4, d.buffered()); // 2 header + 2 payload bytes held
    d.feed(new byte[298], collect);
    assertEquals(1, frames.size());
    assertEquals(300, frames.get(0).length);
    assertEquals((byte) 0xaa, frames.get(0)[0]);
    assertEquals(0, d.buffered());
  }

  /** The caller may reuse its read buffer: delivered payloads must be copies. */
  @Test
  void payloadsDoNotAliasInput() {
    FrameDecoder d = new FrameDecoder(1024);
    byte[] buf = hex("08 01 02 08 03");
    d.feed(buf, collect);
    Arrays.fill(buf, (byte) 0x55);
    buf[0] = 0x04;
    d.feed(buf, 0, 1, collect); // completes frame 2 from byte 0x04
    assertArrayEquals(hex("01 02"), frames.get(0));
    assertArrayEquals(hex("03 04"), frames.get(1));
  }

  @Test
  void largeFrameDeliveredInExactArray() {
    int n = 3 * FrameDecoder.INITIAL_CHUNK + 17;
    byte[] p = payload(n, 9);
    FrameDecoder d = new FrameDecoder(MAX);
    feedInChunks(d, FrameCodec.encode(p), 1000);
    assertEquals(1, frames.size());
    assertEquals(n, frames.get(0).length);
    assertArrayEquals(p, frames.get(0));
  }

  /** §2.1: a hostile 4-byte header is rejected before any of its payload is held. */
  @Test
  void rejectsHugeFrameFromHeaderAlone() {
    FrameDecoder d = new FrameDecoder(64 * 1024);
    byte[] gib = hex("ff ff ff ff"); // announces 0x3FFFFFFF bytes, ~1 GiB
    d.feed(gib, 0, 3, collect);
    assertEquals(3, d.buffered());
    FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
        () -> d.feed(gib, 3, 1, collect));
    assertTrue(e.getMessage().contains("1073741823"), e.getMessage());
    assertEquals(64 * 1024, e.limit());
    assertTrue(d.buffered() <= 4);
    assertTrue(frames.isEmpty());
    // the stream position is lost: the decoder refuses further input
    assertThrows(ProtocolException.class, () -> d.feed(hex("00"), collect));
  }

  @Test
  void rejectsHugeFrameWithPayloadInSameFeed() {
    FrameDecoder d = new FrameDecoder(64 * 1024);
    byte[] wire = concat(hex("08 01 02"), FrameCodec.header(1 << 20), new byte[100]);
    assertThrows(FrameTooLargeException.class, () -> d.feed(wire, collect));
    assertEquals(1, frames.size(), "frames before the bad header are still delivered");
    assertEquals(0, d.buffered());
  }

  @Test
  void limitIsInclusive() {
    FrameDecoder d = new FrameDecoder(100);
    d.feed(FrameCodec.encode(new byte[100]), collect);
    assertEquals(1, frames.size());
    assertThrows(FrameTooLargeException.class, () -> d.feed(FrameCodec.header(101), collect));

    FrameDecoder zero = new FrameDecoder(0);
    zero.feed(hex("00 00"), collect);
    assertEquals(3, frames.size());
    assertThrows(FrameTooLargeException.class, () -> zero.feed(hex("04"), collect));
  }

  @Test
  void constructorChecksLimit() {
    assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(-1));
    assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(0x40000000));
    new FrameDecoder(FrameCodec.MAX_PAYLOAD);
  }

  /** §7.3: after the first frame the relay takes every later byte verbatim. */
  @Test
  void drainRemainingAfterStop() {
    byte[] first = FrameCodec.encode(hex("92 01 00"));
    byte[] second = concat(hex("15 00"), hex("01 02 03 04 05")); // non-minimal, kept verbatim
    byte[] partial = hex("b1 04 aa bb");
    byte[] wire = concat(first, second, partial);

    FrameDecoder d = new FrameDecoder(1024);
    d.feed(wire, p -> {
      frames.add(p);
      return false;
    });
    assertEquals(1, frames.size());
    assertArrayEquals(hex("92 01 00"), frames.get(0));
    assertEquals(second.length + partial.length, d.buffered(), "stopped: the rest is kept, undecoded");

    // bytes arriving before the relay switches over are kept as well, undecoded
    d.feed(hex("00 00"), collect);
    assertEquals(1, frames.size());

    byte[] rest = d.drainRemaining();
    assertArrayEquals(concat(second, partial, hex("00 00")), rest);
    assertEquals(0, d.buffered());
    assertEquals(0, d.drainRemaining().length);

    // a caller that stays framed feeds the drained bytes back
    d.feed(rest, collect);
    assertEquals(2, frames.size());
    assertArrayEquals(hex("01 02 03 04 05"), frames.get(1));
    assertEquals(partial.length + 2, d.buffered());
  }

  @Test
  void stopOnLastFrameOfFeedLeavesNothing() {
    FrameDecoder d = new FrameDecoder(1024);
    d.feed(hex("08 01 02"), p -> false);
    List<byte[]> after = new ArrayList<>();
    d.feed(hex("04 09"), p -> after.add(p));
    assertTrue(after.isEmpty(), "stopped: nothing is decoded until the rest is drained");
    assertArrayEquals(hex("04 09"), d.drainRemaining(), "only what came after the stop");
  }

  @Test
  void drainRemainingReturnsPartialFrameVerbatim() {
    FrameDecoder d = new FrameDecoder(1024);
    d.feed(hex("01"), collect); // half of a 2-byte header
    assertArrayEquals(hex("01"), d.drainRemaining());
    d.feed(hex("16 00 00 01 02"), collect); // non-minimal 3-byte header, 2 of 5 payload bytes
    assertArrayEquals(hex("16 00 00 01 02"), d.drainRemaining());
    assertTrue(frames.isEmpty());
  }

  @Test
  void boundsBytesHeldWhileStopped() {
    FrameDecoder d = new FrameDecoder(10);
    d.feed(hex("00 01"), p -> false);
    d.feed(new byte[13], collect); // 1 + 13 == 10 + 4, still allowed
    assertEquals(14, d.buffered());
    assertThrows(ProtocolException.class, () -> d.feed(new byte[1], collect));
  }

  void feedInChunks(FrameDecoder d, byte[] wire, int chunk) {
    for (int off = 0; off < wire.length; off += chunk) {
      d.feed(wire, off, Math.min(chunk, wire.length - off), collect);
    }
  }

  void assertFrames(List<byte[]> expected, String what) {
    assertEquals(expected.size(), frames.size(), what);
    for (int k = 0; k < expected.size(); k++) {
      assertArrayEquals(expected.get(k), frames.get(k), what + " frame " + k);
    }
  }
}
