package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** One end of a relay session: a RequestRelay frame, then raw bytes. */
public final class RelayPeer implements AutoCloseable {

  public final Socket socket = new Socket();

  public RelayPeer(int port, String localIp, String uuid, String key) throws IOException {
    socket.bind(new InetSocketAddress(localIp, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(5000);
    write(FrameCodec.encode(RendezvousMessage.newBuilder().setRequestRelay(RequestRelay.newBuilder()
        .setUuid(uuid).setLicenceKey(key).setId("123456789")).build().toByteArray()));
  }

  public void write(byte[] b) throws IOException {
    socket.getOutputStream().write(b);
    socket.getOutputStream().flush();
  }

  /** Reads exactly {@code n} bytes; fails on timeout or end of stream. */
  public byte[] read(int n) throws IOException {
    byte[] out = new byte[n];
    InputStream in = socket.getInputStream();
    int got = 0;
    while (got < n) {
      int r = in.read(out, got, n - got);
      if (r < 0) {
        throw new IOException("closed after " + got + " of " + n + " bytes");
      }
      got += r;
    }
    return out;
  }

  /** True if the server closes the connection within {@code millis} without sending anything. */
  public boolean closedByServer(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
