package dev.vertdesk.rendezvous.tcp;

import dev.vertdesk.crypto.ServerHandshake;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.protocol.FrameDecoder;
import dev.vertdesk.protocol.ProtocolException;
import dev.vertdesk.rendezvous.SignalingConnection;
import dev.vertdesk.rendezvous.SignalingSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP framing adapter: length-prefixed frames (docs/protocol.md §2.1) in and out. An oversized
 * header or a socket error closes the connection (except for an oversized frame on a secured
 * connection, see {@link SignalingSession#skipOversized}); only complete frames count as activity.
 */
public final class TcpSignalingConnection extends SignalingSession {

  private static final Logger LOG = LoggerFactory.getLogger(TcpSignalingConnection.class);

  private final NetSocket socket;
  private final FrameDecoder decoder;
  private final FrameDecoder.FrameSink frames = new FrameDecoder.FrameSink() {
    @Override
    public boolean frame(byte[] payload) {
      return onPayload(payload);
    }

    @Override
    public boolean skipOversized(long length) {
      return TcpSignalingConnection.this.skipOversized(length, decoder.maxFrameSize());
    }
  };

  /** @param idleMillis how long the connection may go without a complete frame, from the connect */
  public TcpSignalingConnection(NetSocket socket, int maxFrameSize, ServerHandshake handshake, long idleMillis,
                                BiConsumer<SignalingConnection, RendezvousMessage> handler) {
    super(Vertx.currentContext(), AddrMangle.normalize(new InetSocketAddress(socket.remoteAddress().hostAddress(),
        socket.remoteAddress().port())), handshake, idleMillis, handler);
    this.socket = socket;
    this.decoder = new FrameDecoder(maxFrameSize);
    socket.handler(this::onData);
    socket.exceptionHandler(e -> {
      LOG.debug("connection from {}: {}", remote(), e.toString());
      close();
    });
    socket.closeHandler(v -> transportClosed());
    opened();
  }

  private void onData(Buffer data) {
    byte[] bytes = data.getBytes();
    try {
      decoder.feed(bytes, 0, bytes.length, frames);
    } catch (ProtocolException e) {
      LOG.debug("closing {}: {}", remote(), e.getMessage());
      close();
    }
  }

  @Override
  protected void writePayload(byte[] payload) {
    socket.write(Buffer.buffer(FrameCodec.encode(payload)));
  }

  @Override
  protected void closeTransport() {
    socket.close();
  }

  @Override
  public boolean webSocket() {
    return false;
  }
}
