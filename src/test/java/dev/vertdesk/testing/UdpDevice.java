package dev.vertdesk.testing;

import com.google.protobuf.ByteString;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;

/** A controlled device (B) talking UDP to the registration port, built on our own codec. */
public final class UdpDevice implements AutoCloseable {

  public final String id;
  public final byte[] uuid;
  public final byte[] pk;
  public final DatagramSocket socket;
  /** Where the last received datagram came from: the server socket that sent it. */
  public volatile java.net.InetSocketAddress lastSender;
  private final InetSocketAddress server;

  public UdpDevice(String id, byte[] uuid, byte[] pk, int serverPort) throws IOException {
    this(id, uuid, pk, serverPort, "127.0.0.1");
  }

  public UdpDevice(String id, byte[] uuid, byte[] pk, int serverPort, String localIp) throws IOException {
    this.id = id;
    this.uuid = uuid;
    this.pk = pk;
    this.socket = new DatagramSocket(new InetSocketAddress(localIp, 0));
    this.socket.setSoTimeout(3000);
    this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
  }

  public void send(RendezvousMessage m) throws IOException {
    byte[] b = m.toByteArray();
    socket.send(new DatagramPacket(b, b.length, server));
  }

  public void sendRaw(byte[] b) throws IOException {
    socket.send(new DatagramPacket(b, b.length, server));
  }

  /** The next datagram, or null after the socket timeout. */
  public RendezvousMessage receive() throws IOException {
    byte[] buf = new byte[65536];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    try {
      socket.receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    lastSender = (java.net.InetSocketAddress) p.getSocketAddress();
    byte[] data = new byte[p.getLength()];
    System.arraycopy(buf, 0, data, 0, data.length);
    return Envelopes.parse(data);
  }

  /** Skips datagrams until one of the wanted kind arrives; null on timeout. */
  public RendezvousMessage receive(RendezvousMessage.UnionCase kind) throws IOException {
    long deadline = System.currentTimeMillis() + 3000;
    while (System.currentTimeMillis() < deadline) {
      RendezvousMessage m = receive();
      if (m == null) {
        return null;
      }
      if (m.getUnionCase() == kind) {
        return m;
      }
    }
    return null;
  }

  public RegisterPkResponse.Result registerPk() throws IOException {
    send(RendezvousMessage.newBuilder().setRegisterPk(RegisterPk.newBuilder()
        .setId(id).setUuid(ByteString.copyFrom(uuid)).setPk(ByteString.copyFrom(pk))).build());
    RendezvousMessage m = receive(RendezvousMessage.UnionCase.REGISTER_PK_RESPONSE);
    return m == null ? null : m.getRegisterPkResponse().getResult();
  }

  /** Heartbeat; returns request_pk, or null when no answer came. */
  public Boolean heartbeat() throws IOException {
    send(RendezvousMessage.newBuilder().setRegisterPeer(RegisterPeer.newBuilder().setId(id).setSerial(3)).build());
    RendezvousMessage m = receive(RendezvousMessage.UnionCase.REGISTER_PEER_RESPONSE);
    return m == null ? null : m.getRegisterPeerResponse().getRequestPk();
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    socket.close();
  }
}
