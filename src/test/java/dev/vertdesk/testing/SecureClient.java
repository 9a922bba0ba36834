package dev.vertdesk.testing;

import com.google.protobuf.ByteString;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.crypto.SecretStream;
import dev.vertdesk.proto.KeyExchange;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.protocol.FrameCodec;
import java.util.Base64;

/**
 * A client on the signaling port that runs the secure-TCP handshake as RustDesk does
 * (docs/protocol.md §6.4: verify the server's signed offer, seal a session key to it) before
 * anything else; every frame after it is encrypted both ways.
 */
public final class SecureClient implements AutoCloseable {

  public final TcpClient tcp;
  private final SecretStream stream;

  /** @param serverKey the key clients are given: the server's base64 public key */
  public SecureClient(int port, String localIp, String serverKey) throws Exception {
    tcp = new TcpClient(port, localIp);
    RendezvousMessage offer = Envelopes.parse(tcp.readRawFrame(3000));
    if (offer == null || offer.getUnionCase() != RendezvousMessage.UnionCase.KEY_EXCHANGE
        || offer.getKeyExchange().getKeysCount() != 1) {
      throw new AssertionError("the server did not open with a KeyExchange: " + offer);
    }
    byte[] serverBoxPk = Nacl.openSigned(offer.getKeyExchange().getKeys(0).toByteArray(),
        Base64.getDecoder().decode(serverKey));
    if (serverBoxPk == null) {
      throw new AssertionError("the offer is not signed with the server's key");
    }
    Nacl.KeyPair mine = Nacl.boxKeyPair();
    byte[] sessionKey = Nacl.randomBytes(32);
    byte[] sealed = NaclClient.boxSeal(sessionKey, new byte[24], serverBoxPk, mine.secretKey());
    tcp.send(RendezvousMessage.newBuilder().setKeyExchange(KeyExchange.newBuilder()
        .addKeys(ByteString.copyFrom(mine.publicKey())).addKeys(ByteString.copyFrom(sealed))).build());
    stream = new SecretStream(sessionKey);
  }

  public void send(RendezvousMessage m) throws Exception {
    tcp.writeRaw(FrameCodec.encode(seal(m.toByteArray())));
  }

  /** Seals one payload with the next nonce, for a test that frames and writes it its own way. */
  public byte[] seal(byte[] payload) {
    return stream.seal(payload);
  }

  /** The next message, skipping heartbeats; null on timeout or when the server closed. */
  public RendezvousMessage read(int timeoutMillis) throws Exception {
    long end = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      int left = (int) Math.max(1, (end - System.nanoTime()) / 1_000_000L);
      byte[] f = tcp.readRawFrame(left);
      if (f == null) {
        return null;
      }
      byte[] plain = stream.open(f);
      if (plain == null) {
        throw new AssertionError("a frame that does not decrypt");
      }
      if (plain.length > 0) {
        return Envelopes.parse(plain);
      }
    }
  }

  public RendezvousMessage read() throws Exception {
    return read(3000);
  }

  @Override
  public void close() throws Exception {
    tcp.close();
  }
}
