package dev.vertdesk.protocol;

import static dev.vertdesk.protocol.FrameCodecTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.proto.PunchHoleResponse.Failure;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RendezvousMessage.UnionCase;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Envelope helpers, docs/protocol.md §2.2, §2.5, §5.4.9 and §12 items 1–2. */
class EnvelopesTest {

  static void assertWire(String expectedHex, RendezvousMessage m) {
    byte[] expected = hex(expectedHex);
    assertArrayEquals(expected, m.toByteArray());
    assertEquals(m, Envelopes.parse(expected)); // and it reads back the same
  }

  @Test
  void registerPkResponseOkIsSerialized() {
    assertWire("82 01 00", Envelopes.registerPkResponse(Result.OK));
    assertWire("82 01 00", Envelopes.registerPkResponse(Result.OK, 0));
    assertWire("82 01 02 08 04", Envelopes.registerPkResponse(Result.TOO_FREQUENT));
    assertWire("82 01 02 10 1e", Envelopes.registerPkResponse(Result.OK, 30));
    assertWire("82 01 04 08 06 10 1e", Envelopes.registerPkResponse(Result.NOT_SUPPORT, 30));
  }

  @Test
  void punchHoleFailures() {
    assertWire("5a 00", Envelopes.punchHoleFailure(Failure.ID_NOT_EXIST));
    assertWire("5a 02 18 02", Envelopes.punchHoleFailure(Failure.OFFLINE));
    assertWire("5a 02 18 03", Envelopes.punchHoleFailure(Failure.LICENSE_MISMATCH));
    assertWire("5a 02 18 04", Envelopes.punchHoleFailure(Failure.LICENSE_OVERUSE));
    // a failure never carries an address: that emptiness is what the client tests (§12.1)
    assertTrue(Envelopes.punchHoleFailure(Failure.OFFLINE).getPunchHoleResponse()
        .getSocketAddr().isEmpty());
  }

  @Test
  void registerPeerResponse() {
    assertWire("3a 02 10 01", Envelopes.registerPeerResponse(true));
    assertWire("3a 00", Envelopes.registerPeerResponse(false));
  }

  @Test
  void testNatResponse() {
    // field 21 (tag aa 01), TestNatResponse{port: 21116}
    assertWire("aa 01 04 08 fc a4 01", Envelopes.testNatResponse(21116));
    assertWire("aa 01 00", Envelopes.testNatResponse(0));
  }

  @Test
  void onlineExample() {
    byte[] states = Envelopes.onlineStates(new boolean[] {true, false, true, false});
    assertArrayEquals(hex("a0"), states);
    assertWire("c2 01 03 0a 01 a0", Envelopes.onlineResponse(states));
    assertWire("c2 01 00", Envelopes.onlineResponse(new byte[0]));
  }

  @Test
  void onlineStatesBitOrder() {
    assertEquals(0, Envelopes.onlineStates(new boolean[0]).length);
    boolean[] nine = new boolean[9];
    nine[7] = true;
    nine[8] = true;
    assertArrayEquals(hex("01 80"), Envelopes.onlineStates(nine));
    boolean[] all = new boolean[16];
    java.util.Arrays.fill(all, true);
    assertArrayEquals(hex("ff ff"), Envelopes.onlineStates(all));
    assertArrayEquals(hex("00"), Envelopes.onlineStates(new boolean[3]));
  }

  @Test
  void parsesSpecExamples() {
    RendezvousMessage m = Envelopes.parse(hex("32 0d 0a 09 31 32 33 34 35 36 37 38 39 10 03"));
    assertNotNull(m);
    assertEquals(UnionCase.REGISTER_PEER, m.getUnionCase());
    assertEquals("123456789", m.getRegisterPeer().getId());
    assertEquals(3, m.getRegisterPeer().getSerial());

    RendezvousMessage udp = Envelopes.parse(hex("3a 02 10 01"));
    assertTrue(udp.getRegisterPeerResponse().getRequestPk());

    RendezvousMessage notFound = Envelopes.parse(hex("5a 00"));
    assertEquals(UnionCase.PUNCH_HOLE_RESPONSE, notFound.getUnionCase());
    assertEquals(Failure.ID_NOT_EXIST, notFound.getPunchHoleResponse().getFailure());
  }

  @Test
  void ignoresUnknownFields() {
    // RegisterPeer with an extra field 99 inside and another at envelope level
    RendezvousMessage m = Envelopes.parse(hex("32 06 0a 01 41 98 06 01 98 06 05"));
    assertNotNull(m);
    assertEquals("A", m.getRegisterPeer().getId());
  }

  @Test
  void emptyInputIsAMessageWithoutMember() {
    RendezvousMessage m = Envelopes.parse(new byte[0]);
    assertNotNull(m);
    assertEquals(UnionCase.UNION_NOT_SET, m.getUnionCase());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "ff",                 // truncated varint tag
      "ff ff ff ff ff ff ff ff ff ff ff", // overlong varint
      "0f",                 // wire type 7 does not exist
      "32 0d 0a",           // length runs past the end
      "32 02 0a 05",        // inner length runs past its message
      "32 03 0a 01 ff",     // invalid UTF-8 in a proto3 string
      "00 01",              // field number 0
  })
  void garbageIsNull(String bytes) {
    assertNull(Envelopes.parse(hex(bytes)));
    assertNull(Envelopes.parse(ByteBuffer.wrap(hex(bytes))));
  }

  @Test
  void nullIsNull() {
    assertNull(Envelopes.parse((byte[]) null));
    assertNull(Envelopes.parse((ByteBuffer) null));
  }

  @Test
  void parseByteBufferLeavesPosition() {
    byte[] wire = hex("99 99 3a 02 10 01");
    ByteBuffer heap = ByteBuffer.wrap(wire);
    heap.position(2);
    assertTrue(Envelopes.parse(heap).getRegisterPeerResponse().getRequestPk());
    assertEquals(2, heap.position());

    ByteBuffer direct = ByteBuffer.allocateDirect(4);
    direct.put(hex("82 01 02 08 04"), 0, 4).flip();
    // only 4 of the 5 bytes: RegisterPkResponse is cut short
    assertNull(Envelopes.parse(direct));
    ByteBuffer direct2 = ByteBuffer.allocateDirect(5).put(hex("82 01 02 08 04"));
    direct2.flip();
    assertEquals(Result.TOO_FREQUENT, Envelopes.parse(direct2).getRegisterPkResponse().getResult());
    assertEquals(0, direct2.position());
  }

  @Test
  void parseSlice() {
    byte[] wire = hex("3c 3a 02 10 01 ff");
    assertTrue(Envelopes.parse(wire, 1, 4).getRegisterPeerResponse().getRequestPk());
    assertNull(Envelopes.parse(wire, 1, 5));
    assertThrows(IndexOutOfBoundsException.class, () -> Envelopes.parse(wire, 4, 5));
  }

  @Test
  void rejectsUnrecognizedEnums() {
    assertThrows(IllegalArgumentException.class,
        () -> Envelopes.registerPkResponse(Result.UNRECOGNIZED));
    assertThrows(IllegalArgumentException.class,
        () -> Envelopes.punchHoleFailure(Failure.UNRECOGNIZED));
    assertThrows(NullPointerException.class, () -> Envelopes.registerPkResponse(null));
    assertEquals(0, Envelopes.registerPkResponse(Result.OK).getRegisterPkResponse().getKeepAlive());
  }
}
