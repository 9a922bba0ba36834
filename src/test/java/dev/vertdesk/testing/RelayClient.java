package dev.vertdesk.testing;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** A blocking fake relay client: one RequestRelay frame (our codec), then raw bytes. */
public final class RelayClient implements AutoCloseable {

  public final Socket socket;

  public RelayClient(int port) throws IOException {
    this(port, null);
  }

  public RelayClient(int port, String localIp) throws IOException {
    socket = new Socket();
    if (localIp != null) {
      socket.bind(new InetSocketAddress(localIp, 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(5000);
  }

  /** Wraps an already connected socket. */
  public RelayClient(Socket connected) throws IOException {
    socket = connected;
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(5000);
  }

  public static byte[] requestFrame(String uuid, String key) {
    return FrameCodec.encode(RendezvousMessage.newBuilder()
        .setRequestRelay(RequestRelay.newBuilder().setUuid(uuid).setLicenceKey(key == null ? "" : key)
            .setId("123456789"))
        .build().toByteArray());
  }

  /** Sends the RequestRelay and, in the same write, {@code after} (e.g. a SignedId frame). */
  public RelayClient request(String uuid, String key, byte[] after) throws IOException {
    byte[] req = requestFrame(uuid, key);
    byte[] all = new byte[req.length + after.length];
    System.arraycopy(req, 0, all, 0, req.length);
    System.arraycopy(after, 0, all, req.length, after.length);
    write(all);
    return this;
  }

  public RelayClient request(String uuid, String key) throws IOException {
    return request(uuid, key, new byte[0]);
  }

  public void write(byte[] bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  public InputStream in() throws IOException {
    return socket.getInputStream();
  }

  public OutputStream out() throws IOException {
    return socket.getOutputStream();
  }

  /** Exactly {@code n} bytes, or fewer if the stream ends or nothing comes for the timeout. */
  public byte[] read(int n, int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[Math.min(n, 65536)];
    try {
      while (got.size() < n) {
        int r = in().read(buf, 0, Math.min(buf.length, n - got.size()));
        if (r < 0) {
          break;
        }
        got.write(buf, 0, r);
      }
    } catch (SocketTimeoutException e) {
      // return what we have
    }
    return got.toByteArray();
  }

  /**
   * Waits up to {@code timeoutMillis} for the server to end the connection.
   *
   * @return -1 when it did not, else the number of bytes that arrived before the end
   */
  public long awaitClose(int timeoutMillis) throws IOException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long bytes = 0;
    byte[] buf = new byte[65536];
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return -1;
      }
      socket.setSoTimeout((int) Math.max(1, left));
      try {
        int r = in().read(buf);
        if (r < 0) {
          return bytes;
        }
        bytes += r;
      } catch (SocketTimeoutException e) {
        return -1;
      } catch (IOException reset) {
        return bytes;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
