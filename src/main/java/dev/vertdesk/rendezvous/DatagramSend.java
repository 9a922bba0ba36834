package dev.vertdesk.rendezvous;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.net.InetSocketAddress;

/** Body of {@link dev.vertdesk.events.Addresses#UDP_SEND}: one datagram for one device. */
public record DatagramSend(InetSocketAddress to, byte[] payload) {

  /** Passes the record by reference on the local bus; nothing here crosses nodes. */
  public static final class LocalCodec implements MessageCodec<DatagramSend, DatagramSend> {

    @Override
    public void encodeToWire(Buffer buffer, DatagramSend send) {
      throw new UnsupportedOperationException("DatagramSend is node-local");
    }

    @Override
    public DatagramSend decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("DatagramSend is node-local");
    }

    @Override
    public DatagramSend transform(DatagramSend send) {
      return send;
    }

    @Override
    public String name() {
      return "vertdesk.datagram-send";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
