package dev.vertdesk.relay;

import dev.vertdesk.protocol.FrameDecoder;
import dev.vertdesk.protocol.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain TCP relay connection (hbbr port 21117): reads one length-prefixed RequestRelay
 * (docs/protocol.md §7.1), waits for its partner, then carries a raw byte stream. It is the only
 * handler in its channel's pipeline; once paired, reads go straight to the session as the
 * buffers Netty read them into.
 */
final class TcpRelayEndpoint extends ChannelRelayEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(TcpRelayEndpoint.class);

  private FrameDecoder decoder;
  private byte[] request;

  TcpRelayEndpoint(Admission admission, CappedRecvAllocator reads) {
    super(admission, Framing.STREAM, reads, LOG, State.HANDSHAKE, admission.firstMessageMillis());
  }

  // ------------------------------------------------------------------ Netty side

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    decoder = new FrameDecoder(admission.maxFrameSize());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case RELAYING -> inbound.data((ByteBuf) msg);
      case HANDSHAKE -> {
        handshake((ByteBuf) msg);
        recount();
      }
      case CHECKING, WAITING -> {
        hold((ByteBuf) msg);
        recount();
      }
      default -> ReferenceCountUtil.release(msg);
    }
  }

  /** Before pairing: what the frame decoder keeps too (a partial request, or what followed it). */
  @Override
  protected long holding() {
    return super.holding() + (decoder == null ? 0 : decoder.buffered());
  }

  // ------------------------------------------------------------------ before pairing

  private void handshake(ByteBuf buf) {
    byte[] bytes = take(buf);
    try {
      decoder.feed(bytes, 0, bytes.length, payload -> {
        request = payload;
        return false;
      });
    } catch (ProtocolException e) {
      LOG.debug("{}: {}", description, e.getMessage());
      channel.close();
      return;
    }
    if (request == null) {
      return; // first frame not complete yet
    }
    byte[] payload = request;
    request = null;
    // what already arrived behind the request stays in the decoder
    admit(payload);
  }

  @Override
  protected void refuse(String why) {
    LOG.debug("{}: {}", description, why);
    channel.close();
  }

  @Override
  protected void overLimit(String why) {
    refuse(why);
  }

  // ------------------------------------------------------------------ RelayEndpoint

  /** Bytes that came after the RequestRelay (B's SignedId, §12 item 14) go first, verbatim. */
  @Override
  protected void deliverLeftovers(Inbound in) {
    byte[] rest = decoder.drainRemaining();
    decoder = null;
    if (rest.length > 0) {
      in.data(Unpooled.wrappedBuffer(rest));
    }
  }

  @Override
  protected Object outbound(ByteBuf data) {
    return data;
  }

  @Override
  public void close(boolean afterFlush) {
    if (afterFlush && channel.isActive()) {
      closeAfter(channel.writeAndFlush(Unpooled.EMPTY_BUFFER));
    } else {
      channel.close();
    }
  }
}
