package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.protocol.FrameDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;

/** A blocking TCP client speaking length-prefixed frames with our own codec. */
public final class TcpClient implements AutoCloseable {

  public final Socket socket;
  private final FrameDecoder decoder = new FrameDecoder(1 << 20);
  private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
  /** The server's secure-TCP offer, if it sent one first (real clients skip it likewise). */
  public RendezvousMessage keyExchange;
  private boolean first = true;

  public TcpClient(int port) throws IOException {
    this(port, null);
  }

  /** @param localIp bind the client side to this loopback address (e.g. 127.0.0.2) */
  public TcpClient(int port, String localIp) throws IOException {
    socket = new Socket();
    if (localIp != null) {
      socket.bind(new InetSocketAddress(localIp, 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
    socket.setSoTimeout(3000);
    socket.setTcpNoDelay(true);
  }

  public void send(RendezvousMessage m) throws IOException {
    writeRaw(FrameCodec.encode(m.toByteArray()));
  }

  public void writeRaw(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /** Next frame's payload after a leading KeyExchange, or null on timeout or end of stream. */
  public byte[] readFrame(int timeoutMillis) throws IOException {
    byte[] f = readRawFrame(timeoutMillis);
    if (first && f != null) {
      first = false;
      RendezvousMessage m = Envelopes.parse(f);
      if (m != null && m.getUnionCase() == RendezvousMessage.UnionCase.KEY_EXCHANGE) {
        keyExchange = m;
        return readRawFrame(timeoutMillis);
      }
    }
    return f;
  }

  /** Next frame's payload as it came, or null on timeout or end of stream. */
  public byte[] readRawFrame(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[65536];
    while (frames.isEmpty()) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        return null;
      }
      if (n < 0) {
        return null;
      }
      decoder.feed(buf, 0, n, payload -> {
        frames.add(payload);
        return true;
      });
    }
    return frames.poll();
  }

  public RendezvousMessage read() throws IOException {
    return read(3000);
  }

  public RendezvousMessage read(int timeoutMillis) throws IOException {
    byte[] f = readFrame(timeoutMillis);
    return f == null ? null : Envelopes.parse(f);
  }

  /** True when the server closed the connection within the timeout. */
  public boolean closedByServer(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      byte[] buf = new byte[4096];
      while (true) {
        int n = socket.getInputStream().read(buf);
        if (n < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
