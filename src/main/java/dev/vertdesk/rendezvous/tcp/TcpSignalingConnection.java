package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.protocol.FrameDecoder;
import dev.vertdesk.protocol.ProtocolException;
import dev.vertdesk.rendezvous.SignalingConnection;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP framing adapter: length-prefixed frames (PROTOCOL.md §2.1) in, one RendezvousMessage per
 * frame to the handler, frames out. An unparseable payload, an empty frame, an oversized header
 * or a socket error closes the connection (as hbbs does); nothing is read after the handler
 * decided to close.
 */
public final class TcpSignalingConnection implements SignalingConnection {

  private static final Logger LOG = LoggerFactory.getLogger(TcpSignalingConnection.class);

  private final NetSocket socket;
  private final InetSocketAddress remote;
  private final FrameDecoder decoder;
  private final BiConsumer<SignalingConnection, RendezvousMessage> handler;
  private Runnable closeAction;
  private boolean closing;

  public TcpSignalingConnection(NetSocket socket, int maxFrameSize,
                                BiConsumer<SignalingConnection, RendezvousMessage> handler) {
    this.socket = socket;
    this.remote = AddrMangle.normalize(new InetSocketAddress(
        socket.remoteAddress().hostAddress(), socket.remoteAddress().port()));
    this.decoder = new FrameDecoder(maxFrameSize);
    this.handler = handler;
    socket.handler(this::onData);
    socket.exceptionHandler(e -> {
      LOG.debug("connection from {}: {}", remote, e.toString());
      close();
    });
    socket.closeHandler(v -> {
      closing = true;
      Runnable action = closeAction;
      closeAction = null;
      if (action != null) {
        action.run();
      }
    });
  }

  private void onData(Buffer data) {
    if (closing) {
      return;
    }
    byte[] bytes = data.getBytes();
    try {
      decoder.feed(bytes, 0, bytes.length, this::onFrame);
    } catch (ProtocolException e) {
      LOG.debug("closing {}: {}", remote, e.getMessage());
      close();
    }
  }

  private boolean onFrame(byte[] payload) {
    if (closing) {
      return false;
    }
    RendezvousMessage m = payload.length == 0 ? null : Envelopes.parse(payload);
    if (m == null || m.getUnionCase() == RendezvousMessage.UnionCase.UNION_NOT_SET) {
      close();
      return false;
    }
    handler.accept(this, m);
    return !closing;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public boolean webSocket() {
    return false;
  }

  @Override
  public void send(RendezvousMessage message) {
    socket.write(Buffer.buffer(FrameCodec.encode(message.toByteArray())));
  }

  @Override
  public void close() {
    if (!closing) {
      closing = true;
      socket.close();
    }
  }

  @Override
  public void onClose(Runnable action) {
    if (closeAction == null) {
      closeAction = action;
    } else {
      Runnable first = closeAction;
      closeAction = () -> {
        first.run();
        action.run();
      };
    }
  }
}
