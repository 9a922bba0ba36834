package dev.vertdesk.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.vertdesk.proto.OnlineResponse;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.RegisterPeerResponse;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.TestNatResponse;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Parsing and building of the {@link RendezvousMessage} envelope (docs/protocol.md §2.5, §3.2).
 *
 * <p>The builders exist because a oneof member is on the wire even when it is empty or holds only
 * defaults ({@code RegisterPkResponse{OK}} is {@code 82 01 00}, the ID-not-found reply is
 * {@code 5a 00}); building through them always sets the envelope's member, which a hand-written
 * builder chain can easily forget (§12 items 1–2).
 */
public final class Envelopes {

  private Envelopes() {
  }

  /**
   * Parses one message, or returns {@code null} when the bytes are not a valid
   * {@code RendezvousMessage}. A message with no member set (for example from empty input, or
   * from a newer client using a member this schema does not know) is returned as is, with
   * {@link RendezvousMessage.UnionCase#UNION_NOT_SET}: whether that is an error depends on the
   * listener (§5.4.12), so callers decide.
   */
  public static RendezvousMessage parse(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return RendezvousMessage.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** Like {@link #parse(byte[])} for {@code bytes[off, off+len)}. */
  public static RendezvousMessage parse(byte[] bytes, int off, int len) {
    if (bytes == null) {
      return null;
    }
    Objects.checkFromIndexSize(off, len, bytes.length);
    try {
      return RendezvousMessage.parser().parseFrom(bytes, off, len);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /**
   * Like {@link #parse(byte[])} for the remaining bytes of {@code buffer} (heap or direct). The
   * buffer's position is left unchanged, so the caller can still forward or log it.
   */
  public static RendezvousMessage parse(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    try {
      return RendezvousMessage.parseFrom(buffer.duplicate());
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** {@code RegisterPeerResponse{request_pk}} (§5.4.1); {@code false} is {@code 3a 00}. */
  public static RendezvousMessage registerPeerResponse(boolean requestPk) {
    return RendezvousMessage.newBuilder()
        .setRegisterPeerResponse(RegisterPeerResponse.newBuilder().setRequestPk(requestPk))
        .build();
  }

  /** {@code RegisterPkResponse{result}} (§5.4.2); {@code OK} is {@code 82 01 00}. */
  public static RendezvousMessage registerPkResponse(RegisterPkResponse.Result result) {
    return registerPkResponse(result, 0);
  }

  /**
   * {@code RegisterPkResponse{result, keep_alive}}; {@code keepAlive} in seconds, only meaningful
   * for TCP-mode registration (§6.5), 0 leaves it off the wire.
   */
  public static RendezvousMessage registerPkResponse(RegisterPkResponse.Result result,
      int keepAlive) {
    return RendezvousMessage.newBuilder()
        .setRegisterPkResponse(RegisterPkResponse.newBuilder()
            .setResult(known(result))
            .setKeepAlive(keepAlive))
        .build();
  }

  /**
   * A failure {@code PunchHoleResponse}: no {@code socket_addr}, which is what tells the client
   * it failed (§12 item 1). {@code ID_NOT_EXIST} is {@code 5a 00}, {@code OFFLINE}
   * {@code 5a 02 18 02}.
   */
  public static RendezvousMessage punchHoleFailure(PunchHoleResponse.Failure failure) {
    return RendezvousMessage.newBuilder()
        .setPunchHoleResponse(PunchHoleResponse.newBuilder().setFailure(known(failure)))
        .build();
  }

  /**
   * A failure {@code PunchHoleResponse} with a text for the user: current clients show
   * {@code other_failure} as it is; older ones fall back to {@code failure}.
   */
  public static RendezvousMessage punchHoleRefusal(PunchHoleResponse.Failure failure, String text) {
    return RendezvousMessage.newBuilder()
        .setPunchHoleResponse(PunchHoleResponse.newBuilder().setFailure(known(failure)).setOtherFailure(text))
        .build();
  }

  /** {@code TestNatResponse{port}} without a config update (§5.4.8). */
  public static RendezvousMessage testNatResponse(int port) {
    return RendezvousMessage.newBuilder()
        .setTestNatResponse(TestNatResponse.newBuilder().setPort(port))
        .build();
  }

  /** {@code OnlineResponse{states}} (§5.4.9); see {@link #onlineStates(boolean[])}. */
  public static RendezvousMessage onlineResponse(byte[] states) {
    return RendezvousMessage.newBuilder()
        .setOnlineResponse(OnlineResponse.newBuilder().setStates(ByteString.copyFrom(states)))
        .build();
  }

  /**
   * The online bitmap of §5.4.9: {@code ceil(n/8)} bytes, peer {@code i} is bit
   * {@code 7 - i % 8} of byte {@code i / 8} (most significant bit first).
   */
  public static byte[] onlineStates(boolean[] online) {
    byte[] states = new byte[(online.length + 7) / 8];
    for (int i = 0; i < online.length; i++) {
      if (online[i]) {
        states[i >>> 3] |= (byte) (0x80 >>> (i & 7));
      }
    }
    return states;
  }

  // UNRECOGNIZED has no wire number; reject it here with a clear message rather than deep
  // inside the generated setter.
  private static <E extends Enum<E>> E known(E value) {
    Objects.requireNonNull(value, "enum value");
    if ("UNRECOGNIZED".equals(value.name())) {
      throw new IllegalArgumentException("UNRECOGNIZED cannot be sent");
    }
    return value;
  }
}
