package dev.vertdesk.relay;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/**
 * One side of a relay pair, independent of its transport. The plain TCP side
 * ({@link TcpRelayEndpoint}) carries a raw byte stream once paired; a WebSocket side carries one
 * peer message per binary WebSocket message. {@link RelaySession} joins any two endpoints and
 * converts between the two framings when they differ (docs/protocol.md §7.3), so pairing never
 * depends on the transport.
 *
 * <p>Threading: each endpoint lives on one event loop ({@link #executor()}). {@link #attach},
 * {@link #setReading} and the callbacks it makes into {@link Inbound} happen on that loop;
 * {@link #write}, {@link #flush}, {@link #close}, {@link #isWritable} and
 * {@link #pendingOutboundBytes} may be called from any thread.
 */
public interface RelayEndpoint {

  /** What one unit of {@link #write} and of {@link Inbound#data} means. */
  enum Framing {
    /** A byte stream: chunks are arbitrary slices of it (frame headers included). */
    STREAM,
    /** Whole messages: each buffer is one peer message payload, without a length header. */
    MESSAGE
  }

  /** Callbacks from an endpoint into its session, always on the endpoint's own loop. */
  interface Inbound {

    /** Bytes (STREAM) or one message (MESSAGE) from the peer; ownership passes to the callee. */
    void data(ByteBuf data);

    /**
     * A MESSAGE endpoint read {@code bytes} from its client, framing included, whether or not
     * they complete a message: the bandwidth limits are charged by what is read (as hbbr does,
     * docs/protocol.md §7.4), so bytes the relay only holds are not free. A STREAM endpoint's
     * {@link #data} is what it read, and is charged there.
     */
    void received(int bytes);

    /** The end of one read burst: a good moment to flush what was forwarded. */
    void readComplete();

    /** This endpoint's outbound side became writable again (or stopped being so). */
    void writabilityChanged(boolean writable);

    /** The endpoint's connection is gone. */
    void closed(String reason);
  }

  Framing framing();

  /** The client's address, normalised (IPv4-mapped IPv6 shown as IPv4). */
  InetSocketAddress remote();

  /** {@code ip:port} of the client, for logs, events and usage. */
  String describe();

  /** The loop this endpoint's I/O runs on. */
  EventExecutor executor();

  /**
   * Called on {@link #executor()} once the pair is complete: delivers to {@code inbound} first
   * whatever arrived after the RequestRelay (verbatim, §7.3 / §12 item 14), then everything the
   * peer sends, as reading is switched on by the session.
   *
   * @return false when the endpoint is already closed
   */
  boolean attach(Inbound inbound);

  /** Switches reading from the client on or off (backpressure and bandwidth limits). */
  void setReading(boolean on);

  /**
   * Limits the size of single reads from the client (a rate-limited session reads in small steps
   * so that its pauses stay short); {@code Integer.MAX_VALUE} lifts the limit. Thread-safe; a
   * transport that cannot do this may ignore it.
   */
  default void capReads(int bytes) {
  }

  /** Queues data for the client; ownership passes to the endpoint. Thread-safe. */
  void write(ByteBuf data);

  /**
   * Queues a large message for the client like {@link #write(ByteBuf)}, counting it as held by
   * this endpoint (towards the node's {@link HeldBytes}) until it is handed to the kernel or
   * dropped. Thread-safe.
   */
  default void writeHeld(ByteBuf message) {
    write(message);
  }

  void flush();

  boolean isWritable();

  /** Bytes queued for the client and not yet handed to the kernel. */
  long pendingOutboundBytes();

  /**
   * Closes the connection. {@code afterFlush}: first deliver what is already queued (used for
   * the surviving side when its peer hung up).
   */
  void close(boolean afterFlush);

  boolean isOpen();
}
