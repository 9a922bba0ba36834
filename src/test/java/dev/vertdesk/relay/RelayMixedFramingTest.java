package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.protocol.FrameCodec;
import dev.vertdesk.testing.RelayClient;
import dev.vertdesk.testing.TestNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport seam for mixed pairs (§7.3 "TCP + WS"): a message-framed endpoint (what the
 * WebSocket relay will provide) pairs with a plain TCP client by uuid; frames from the TCP side
 * arrive as one message each (empty ones dropped), messages to the TCP side get a length header.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayMixedFramingTest {

  @TempDir
  Path dataDir;

  /** A stand-in for a WebSocket relay connection, on its own event loop. */
  static final class MessageEndpoint implements RelayEndpoint {
    final DefaultEventLoop loop = new DefaultEventLoop();
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    volatile Inbound inbound;
    volatile boolean open = true;

    @Override
    public Framing framing() {
      return Framing.MESSAGE;
    }

    @Override
    public InetSocketAddress remote() {
      return new InetSocketAddress("127.0.0.9", 4242);
    }

    @Override
    public String describe() {
      return "127.0.0.9:4242";
    }

    @Override
    public EventExecutor executor() {
      return loop;
    }

    @Override
    public boolean attach(Inbound in) {
      inbound = in;
      return open;
    }

    @Override
    public void setReading(boolean on) {
    }

    @Override
    public void write(ByteBuf data) {
      received.add(ByteBufUtil.getBytes(data));
      data.release();
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean isWritable() {
      return true;
    }

    @Override
    public long pendingOutboundBytes() {
      return 0;
    }

    @Override
    public void close(boolean afterFlush) {
      open = false;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    void send(byte[] message) {
      loop.execute(() -> {
        inbound.data(Unpooled.wrappedBuffer(message));
        inbound.readComplete();
      });
    }
  }

  @Test
  void framesBecomeMessagesAndMessagesBecomeFrames() throws Exception {
    MessageEndpoint ws = new MessageEndpoint();
    try (TestNode node = TestNode.start(dataDir)) {
      String key = node.core().keys().validationKey().orElseThrow();
      String u = UUID.randomUUID().toString();
      RelayHub hub = node.relay();
      assertNull(hub.offer(u, ws), "the message endpoint waits");

      byte[] one = FrameCodec.encode("first".getBytes(StandardCharsets.UTF_8));
      ByteArrayOutputStream more = new ByteArrayOutputStream();
      more.write(FrameCodec.encode(new byte[0])); // empty: not forwarded
      more.write(FrameCodec.encode(new byte[70_000])); // 3-byte header
      byte[] tail = more.toByteArray();
      try (RelayClient tcp = new RelayClient(node.port("relay")).request(u, key, one)) {
        assertArrayEquals("first".getBytes(StandardCharsets.UTF_8), ws.received.poll(3, TimeUnit.SECONDS),
            "bytes behind the RequestRelay arrive as one message");
        // the rest split at awkward places
        tcp.write(java.util.Arrays.copyOfRange(tail, 0, 2));
        Thread.sleep(50);
        tcp.write(java.util.Arrays.copyOfRange(tail, 2, tail.length));
        byte[] big = ws.received.poll(3, TimeUnit.SECONDS);
        assertNotNull(big);
        assertEquals(70_000, big.length);
        assertTrue(ws.received.isEmpty(), "the empty frame was dropped");

        ws.send("to-tcp".getBytes(StandardCharsets.UTF_8));
        byte[] framed = FrameCodec.encode("to-tcp".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(framed, tcp.read(framed.length, 3000));
      }
    } finally {
      ws.loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
