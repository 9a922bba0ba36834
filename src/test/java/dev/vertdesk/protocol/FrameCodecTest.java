package dev.vertdesk.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RendezvousMessage;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Encoder side of the length-prefix framing, docs/protocol.md §2.1. */
class FrameCodecTest {

  static byte[] hex(String s) {
    return HexFormat.ofDelimiter(" ").parseHex(s);
  }

  /** Every worked header example of §2.1, plus the 30-bit maximum. */
  @ParameterizedTest
  @CsvSource({
      "0, 00",
      "5, 14",
      "63, fc",
      "64, 01 01",
      "300, b1 04",
      "16383, fd ff",
      "16384, 02 00 01",
      "4194303, fe ff ff",
      "4194304, 03 00 00 01",
      "1073741823, ff ff ff ff",
  })
  void headerVectors(int n, String expected) {
    byte[] h = hex(expected);
    assertArrayEquals(h, FrameCodec.header(n));
    assertEquals(h.length, FrameCodec.headerLength(n));
    byte[] dst = new byte[6];
    assertEquals(h.length, FrameCodec.writeHeader(n, dst, 1));
    for (int i = 0; i < h.length; i++) {
      assertEquals(h[i], dst[1 + i]);
    }
  }

  @Test
  void rejectsLengthsOutsideThirtyBits() {
    assertEquals(0x3FFFFFFF, FrameCodec.MAX_PAYLOAD);
    assertThrows(IllegalArgumentException.class, () -> FrameCodec.header(0x40000000));
    assertThrows(IllegalArgumentException.class, () -> FrameCodec.header(Integer.MAX_VALUE));
    assertThrows(IllegalArgumentException.class, () -> FrameCodec.header(-1));
    assertThrows(IllegalArgumentException.class, () -> FrameCodec.headerLength(0x40000000));
  }

  @Test
  void registerPeerExample() {
    RendezvousMessage m = RendezvousMessage.newBuilder()
        .setRegisterPeer(RegisterPeer.newBuilder().setId("123456789").setSerial(3))
        .build();
    byte[] payload = m.toByteArray();
    assertEquals(15, payload.length);
    assertArrayEquals(hex("3c 32 0d 0a 09 31 32 33 34 35 36 37 38 39 10 03"),
        FrameCodec.encode(payload));
  }

  @Test
  void encodeEmptyAndSlices() {
    assertArrayEquals(hex("00"), FrameCodec.encode(new byte[0]));
    byte[] big = new byte[300];
    big[0] = 7;
    big[299] = 9;
    byte[] framed = FrameCodec.encode(big);
    assertEquals(302, framed.length);
    assertEquals((byte) 0xb1, framed[0]);
    assertEquals(0x04, framed[1]);
    assertEquals(7, framed[2]);
    assertEquals(9, framed[301]);
    assertArrayEquals(hex("08 bb cc"), FrameCodec.encode(hex("aa bb cc dd"), 1, 2));
    assertThrows(IndexOutOfBoundsException.class,
        () -> FrameCodec.encode(new byte[3], 2, 2));
  }
}
