package dev.vertdesk.relay;

import dev.vertdesk.testing.WsRelayClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A blocking WebSocket client on a plain socket, for attacks: any fragmentation, frame headers
 * that announce more than follows, and masked frames with a zero mask key, so that one payload
 * array goes out as it is however often it is sent (no per-frame copy on the client). It reads
 * the server's frames back one by one.
 */
final class RawWsClient implements AutoCloseable {

  static final int BINARY = 2;
  static final int CONTINUATION = 0;
  static final int CLOSE = 8;

  final SocketChannel channel;
  final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  /** The status of the server's close frame, once one was read. */
  volatile int closeStatus = -1;

  /** Connects from {@code localIp} (null: any) and completes the upgrade. */
  RawWsClient(int port, String localIp) throws IOException {
    this(port, localIp, 0);
  }

  /** @param receiveBuffer the socket's receive buffer, bytes (0: the system's) */
  RawWsClient(int port, String localIp, int receiveBuffer) throws IOException {
    channel = SocketChannel.open();
    socket = channel.socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    if (localIp != null) {
      socket.bind(new InetSocketAddress(localIp, 0));
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(5000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
    out.write(("GET /ws/relay HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      head.write(in.readUnsignedByte());
    }
    if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
      socket.close();
      throw new IOException("upgrade refused: " + head.toString(StandardCharsets.US_ASCII));
    }
  }

  /** A frame with {@code len} bytes of {@code payload} from {@code off}. */
  void frame(int opcode, boolean fin, byte[] payload, int off, int len) throws IOException {
    byte[] h = header(opcode, fin, len);
    out.write(h);
    out.write(payload, off, len);
  }

  /** The header of a masked frame of {@code len} bytes, with a zero mask key. */
  static byte[] header(int opcode, boolean fin, int len) {
    byte[] h = new byte[14];
    int k = 0;
    h[k++] = (byte) ((fin ? 0x80 : 0) | opcode);
    if (len < 126) {
      h[k++] = (byte) (0x80 | len);
    } else if (len < 65536) {
      h[k++] = (byte) (0x80 | 126);
      h[k++] = (byte) (len >>> 8);
      h[k++] = (byte) len;
    } else {
      h[k++] = (byte) (0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        h[k++] = (byte) ((long) len >>> (8 * i));
      }
    }
    k += 4; // a zero mask key: the payload goes out unchanged
    return java.util.Arrays.copyOf(h, k);
  }

  /** One binary message in one frame. */
  void send(byte[] message) throws IOException {
    frame(BINARY, true, message, 0, message.length);
  }

  RawWsClient request(String uuid, String key) throws IOException {
    send(WsRelayClient.requestPayload(uuid, key));
    return this;
  }

  /**
   * The next data message's payload (unfragmented, as the server sends them); null once the
   * server closed (its close status is then in {@link #closeStatus}) or on timeout.
   */
  byte[] read(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7f;
        if (len == 126) {
          len = in.readUnsignedShort();
        } else if (len == 127) {
          len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        int opcode = b0 & 0x0f;
        if (opcode == CLOSE) {
          closeStatus = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 0;
          return null;
        }
        if (opcode == BINARY) {
          return payload;
        }
      }
    } catch (SocketTimeoutException | EOFException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
