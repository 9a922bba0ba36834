package dev.vertdesk.relay;

import dev.vertdesk.net.ClientAddress;
import dev.vertdesk.config.IpRanges;
import dev.vertdesk.net.ConnectionLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.MultiMap;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket relay connection (hbbr relay port + 2, 21119): an RFC 6455 upgrade on any path
 * (reverse proxies use {@code /ws/relay}), then one RequestRelay as the first binary message
 * (docs/protocol.md §7.1), then one peer message per binary message (§2.3, §7.3). It is the last
 * handler of its channel's pipeline, behind Netty's HTTP and WebSocket codecs; {@link RelaySession}
 * adds or strips the length header when the partner is a plain TCP connection.
 *
 * <p>Unlike hbbr, a text frame closes the connection at any time (hbbr drops it once paired), and
 * everything a client sends before it is paired counts against a small budget, so a client that
 * never completes a message cannot make the server buffer more than that.
 *
 * <p>Once paired, a message is forwarded when it is complete: the partner of a TCP end needs its
 * length first, and a fragmented message's length is known only at its last fragment. What an
 * unfinished message holds (the WebSocket decoder's partial frame and the fragments so far) is at
 * most {@code maxMessageSize} per connection and counts towards the node's {@link HeldBytes};
 * fragments are kept as they came (small ones packed together), never copied into one growing
 * buffer.
 */
final class WsRelayEndpoint extends ChannelRelayEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(WsRelayEndpoint.class);

  /**
   * What the WebSocket relay verticle passes to every connection.
   *
   * @param admission      the relay's rules; its maxFrameSize bounds the RequestRelay message
   * @param maxMessageSize largest peer message once paired, fragments included
   */
  record Settings(Admission admission, IpRanges trustedProxies, long handshakeMillis, int maxMessageSize) {

    WebSocketDecoderConfig decoderConfig() {
      return WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(maxMessageSize)
          .expectMaskedFrames(true)
          .allowMaskMismatch(false)
          .allowExtensions(false)
          .closeOnProtocolViolation(true)
          .withUTF8Validator(false) // text frames are refused anyway
          .build();
    }
  }

  /** Fragments smaller than this are packed into shared pieces of {@link #PIECE} bytes. */
  static final int SMALL_FRAGMENT = 16 * 1024;
  static final int PIECE = 64 * 1024;

  private final Settings settings;
  private long preRelayBytes;
  /** The session switched reading off: no read at all, not even one the decoder asks for. */
  private boolean paused;
  /** The WebSocket decoder, once the upgrade installed it: it holds the frame being read. */
  private HeldFrameDecoder decoder;
  /** The fragments of an unfinished message, in order; null between messages. */
  private List<ByteBuf> fragments;
  private long fragmentBytes;
  /** The last of {@link #fragments} when small fragments are being packed into it. */
  private ByteBuf piece;

  WsRelayEndpoint(Settings settings, CappedRecvAllocator reads) {
    super(settings.admission(), Framing.MESSAGE, reads, LOG, State.HTTP, settings.handshakeMillis());
    this.settings = settings;
  }

  /**
   * The handler that goes first in the pipeline: counts what arrives before pairing, in front of
   * the codecs that buffer it (the upgrade request counts too), and closes the connection past
   * {@link Admission#preRelayBudget()}. It also holds back the reads the WebSocket decoder asks
   * for by itself while reading is off: in the middle of a frame it reads on whatever the
   * channel's auto-read says, which would let a large message past the bandwidth limits.
   */
  ChannelDuplexHandler budget() {
    return new ChannelDuplexHandler() {
      @Override
      public void read(ChannelHandlerContext ctx) {
        if (!paused) {
          ctx.read();
        }
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int read = msg instanceof ByteBuf b ? b.readableBytes() : 0;
        Inbound session = state == State.RELAYING ? inbound : null;
        if (state != State.RELAYING && msg instanceof ByteBuf b) {
          preRelayBytes += b.readableBytes();
          if (preRelayBytes > admission.preRelayBudget()) {
            ReferenceCountUtil.release(msg);
            if (state != State.CLOSED) {
              LOG.debug("{}: more than {} bytes before pairing", description, admission.preRelayBudget());
              admission.hub().heldBytes().closed(HeldBytes.Limit.PRE_PAIR, description, preRelayBytes);
              refuse(WebSocketCloseStatus.POLICY_VIOLATION, "too much data before pairing");
            }
            return;
          }
        }
        ctx.fireChannelRead(msg);
        // the codecs behind have taken what they could: count what they and we keep
        recount();
        if (session != null) {
          session.received(read);
        }
      }
    };
  }

  /** Netty's WebSocket decoder, telling how much memory the unfinished frame it keeps takes. */
  private static final class HeldFrameDecoder extends WebSocket13FrameDecoder {
    HeldFrameDecoder(WebSocketDecoderConfig config) {
      super(config);
    }

    /** The whole buffer, not only its unread part: it grows by doubling and that is what it takes. */
    long held() {
      return internalBuffer().capacity();
    }
  }

  /** Reading switched off by the session (backpressure or a bandwidth limit). */
  @Override
  public void setReading(boolean on) {
    paused = !on;
    super.setReading(on);
  }

  @Override
  protected long holding() {
    return super.holding() + (decoder == null ? 0 : decoder.held()) + fragmentBytes;
  }

  // ------------------------------------------------------------------ Netty side

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.CLOSED) {
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof WebSocketFrame frame) {
      onFrame(frame);
    } else if (state == State.HTTP && msg instanceof FullHttpRequest req) {
      try {
        upgrade(req);
      } finally {
        req.release();
      }
    } else {
      // bytes a codec left behind when it was replaced, or an HTTP message after the upgrade
      ReferenceCountUtil.release(msg);
      LOG.debug("{}: unexpected {}", description, msg.getClass().getSimpleName());
      channel.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    super.channelInactive(ctx);
    releaseFragments();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (state == State.RELAYING && cause instanceof CorruptedWebSocketFrameException c
        && c.closeStatus().equals(WebSocketCloseStatus.MESSAGE_TOO_BIG)) {
      // one frame over maxMessageSize, refused by the decoder from its header
      admission.hub().heldBytes().closed(HeldBytes.Limit.MESSAGE, description, settings.maxMessageSize() + 1L);
    }
    super.exceptionCaught(ctx, cause);
  }

  private void releaseFragments() {
    if (fragments != null) {
      fragments.forEach(ByteBuf::release);
      fragments = null;
      fragmentBytes = 0;
      piece = null;
    }
  }

  // ------------------------------------------------------------------ the upgrade

  private void upgrade(FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      LOG.debug("{}: bad HTTP request: {}", description, req.decoderResult().cause());
      channel.close();
      return;
    }
    if (!HttpMethod.GET.equals(req.method())
        || !req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
      respond(HttpResponseStatus.UPGRADE_REQUIRED);
      return;
    }
    if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel)
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    MultiMap forwarded = MultiMap.caseInsensitiveMultiMap();
    for (String name : new String[] {"X-Real-IP", "X-Forwarded-For"}) {
      forwarded.add(name, req.headers().getAll(name));
    }
    InetSocketAddress client = ClientAddress.resolve(remote, forwarded, settings.trustedProxies());
    if (!client.equals(remote)) {
      setRemote(client);
      if (admission.hub().access().blocked(AccessLists.normalize(client.getAddress()))) {
        LOG.debug("refused {}: blocklist", description);
        channel.close();
        return;
      }
      if (!ConnectionLimiter.attribute(channel, client.getAddress())) {
        channel.close(); // that client holds all the connections it may (counted and logged)
        return;
      }
    }
    WebSocketServerHandshaker13 handshaker = new WebSocketServerHandshaker13(
        "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri(), null,
        settings.decoderConfig()) {
      @Override
      protected WebSocketFrameDecoder newWebsocketDecoder() {
        decoder = new HeldFrameDecoder(decoderConfig());
        return decoder;
      }
    };
    // Frames that came with the request reach onFrame from inside handshake() (the replaced
    // HTTP decoder hands its leftover bytes to the WebSocket decoder): state and timer first.
    state = State.HANDSHAKE;
    cancelTimer();
    armTimer(State.HANDSHAKE, admission.firstMessageMillis(), () -> {
      LOG.debug("{}: no RequestRelay within {} ms", description, admission.firstMessageMillis());
      refuse(WebSocketCloseStatus.POLICY_VIOLATION, "no RequestRelay");
    });
    try {
      handshaker.handshake(channel, req).addListener(f -> {
        if (!f.isSuccess()) {
          channel.close();
        }
      });
    } catch (WebSocketServerHandshakeException e) {
      // a malformed upgrade (no key, no "Connection: upgrade"): rejected before the pipeline changed
      LOG.debug("{}: {}", description, e.getMessage());
      cancelTimer();
      state = State.HTTP;
      respond(HttpResponseStatus.BAD_REQUEST);
    }
  }

  private void respond(HttpResponseStatus status) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
    if (status == HttpResponseStatus.UPGRADE_REQUIRED) {
      res.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    channel.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  // ------------------------------------------------------------------ frames

  private void onFrame(WebSocketFrame frame) {
    if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
      onData(frame);
    } else if (frame instanceof PingWebSocketFrame) {
      if (channel.isWritable()) {
        channel.writeAndFlush(new PongWebSocketFrame(frame.content()));
      } else {
        frame.release(); // a client that does not read gets no pongs queued for it
      }
    } else if (frame instanceof CloseWebSocketFrame) {
      frame.release();
      // answer the closing handshake after what is queued; the partner then ends too
      close(true);
    } else if (frame instanceof PongWebSocketFrame) {
      frame.release();
    } else {
      frame.release();
      LOG.debug("{}: {} refused", description, frame.getClass().getSimpleName());
      refuse(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "binary messages only");
    }
  }

  /** A data frame: a whole message, or one piece of a fragmented one. */
  private void onData(WebSocketFrame frame) {
    int limit = state == State.HANDSHAKE ? admission.maxFrameSize() : settings.maxMessageSize();
    ByteBuf content = frame.content();
    if (fragments == null && frame.isFinalFragment()) {
      if (content.readableBytes() > limit) {
        frame.release();
        tooBig(limit, content.readableBytes());
        return;
      }
      onMessage(content);
      return;
    }
    long size = fragmentBytes + content.readableBytes();
    if (size > limit) {
      frame.release();
      tooBig(limit, size);
      return;
    }
    addFragment(content);
    if (frame.isFinalFragment()) {
      List<ByteBuf> parts = fragments;
      fragments = null;
      fragmentBytes = 0;
      piece = null;
      onMessage(parts.size() == 1 ? parts.get(0) : new CompositeByteBuf(channel.alloc(), true, parts.size(), parts));
    }
  }

  /** Keeps {@code content} (ownership passes here): large pieces as they are, small ones packed. */
  private void addFragment(ByteBuf content) {
    if (fragments == null) {
      fragments = new ArrayList<>(4);
    }
    int n = content.readableBytes();
    fragmentBytes += n;
    if (n >= SMALL_FRAGMENT) {
      fragments.add(content);
      piece = null; // what follows goes after it
      return;
    }
    try {
      if (piece == null || piece.maxWritableBytes() < n) {
        piece = channel.alloc().buffer(PIECE, PIECE);
        fragments.add(piece);
      }
      piece.writeBytes(content);
    } finally {
      content.release();
    }
  }

  private void tooBig(int limit, long size) {
    LOG.debug("{}: message over {} bytes", description, limit);
    if (state == State.RELAYING) {
      admission.hub().heldBytes().closed(HeldBytes.Limit.MESSAGE, description, size);
    }
    refuse(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message over " + limit + " bytes");
  }

  /** One complete binary message; ownership passes here. */
  private void onMessage(ByteBuf message) {
    switch (state) {
      case RELAYING -> {
        if (message.readableBytes() >= RelaySession.COUNTED_MESSAGE) {
          recount(); // it leaves this connection's share before the target counts it queued
        }
        inbound.data(message);
      }
      case HANDSHAKE -> admit(take(message));
      case CHECKING, WAITING -> hold(message);
      default -> message.release();
    }
  }

  // ------------------------------------------------------------------ before pairing

  /** Refused by the relay's rules: a policy-violation close frame. */
  @Override
  protected void refuse(String why) {
    refuse(WebSocketCloseStatus.POLICY_VIOLATION, why);
  }

  /** The node cannot hold this connection's message now: "try again later" (RFC 6455 1013). */
  @Override
  protected void overLimit(String why) {
    refuse(WebSocketCloseStatus.TRY_AGAIN_LATER, why);
  }

  /** Closes with a close frame carrying {@code status}; nothing else is sent. */
  private void refuse(WebSocketCloseStatus status, String why) {
    LOG.debug("{}: {}", description, why);
    if (state != State.HTTP && channel.isActive()) {
      channel.writeAndFlush(new CloseWebSocketFrame(status));
    }
    channel.close();
  }

  // ------------------------------------------------------------------ RelayEndpoint

  @Override
  protected Object outbound(ByteBuf data) {
    return new BinaryWebSocketFrame(data);
  }

  @Override
  public void close(boolean afterFlush) {
    if (!channel.isActive()) {
      channel.close();
      return;
    }
    ChannelFuture sent = channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
    if (afterFlush) {
      closeAfter(sent);
    } else {
      channel.close();
    }
  }
}
