package dev.vertdesk.relay;

import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.rendezvous.ws.ClientAddress;
import dev.vertdesk.server.IpRanges;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
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
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.MultiMap;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket relay connection (hbbr relay port + 2, 21119): an RFC 6455 upgrade on any path
 * (reverse proxies use {@code /ws/relay}), then one RequestRelay as the first binary message
 * (PROTOCOL.md §7.1), then one peer message per binary message (§2.3, §7.3). It is the last
 * handler of its channel's pipeline, behind Netty's HTTP and WebSocket codecs; {@link RelaySession}
 * adds or strips the length header when the partner is a plain TCP connection.
 *
 * <p>Unlike hbbr, a text frame closes the connection at any time (hbbr drops it once paired), and
 * everything a client sends before it is paired counts against a small budget, so a client that
 * never completes a message cannot make the server buffer more than that.
 */
final class WsRelayEndpoint extends ChannelInboundHandlerAdapter implements RelayEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(WsRelayEndpoint.class);

  private enum State { HTTP, HANDSHAKE, CHECKING, WAITING, RELAYING, CLOSED }

  /**
   * What the WebSocket relay verticle passes to every connection.
   *
   * @param firstMessageLimit largest RequestRelay message (the TCP port's first-frame limit)
   * @param maxMessageSize    largest peer message once paired, fragments included
   */
  record Settings(RelayHub hub, Optional<String> key, boolean brokeredOnly, IpRanges trustedProxies,
                  long handshakeMillis, long firstMessageMillis, long pairMillis, int firstMessageLimit,
                  int maxMessageSize) {

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

    /** Bytes a connection may send before it is paired: upgrade, RequestRelay and a little more. */
    long preRelayBudget() {
      return 4L * firstMessageLimit + (1 << 20);
    }
  }

  private final Settings settings;
  private final CappedRecvAllocator reads;
  private Channel channel;
  private InetSocketAddress remote;
  private String description;
  private volatile State state = State.HTTP;
  private long preRelayBytes;
  private ByteBuf fragments;
  private ArrayDeque<ByteBuf> held;
  private long heldBytes;
  private String uuid;
  private ScheduledFuture<?> timer;
  private Inbound inbound;

  WsRelayEndpoint(Settings settings, CappedRecvAllocator reads) {
    this.settings = settings;
    this.reads = reads;
  }

  /**
   * The handler that goes first in the pipeline: counts what arrives before pairing, in front of
   * the codecs that buffer it, and closes the connection past {@link Settings#preRelayBudget()}.
   */
  ChannelInboundHandlerAdapter budget() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state != State.RELAYING && msg instanceof ByteBuf b) {
          preRelayBytes += b.readableBytes();
          if (preRelayBytes > settings.preRelayBudget()) {
            ReferenceCountUtil.release(msg);
            if (state != State.CLOSED) {
              LOG.debug("{}: more than {} bytes before pairing", description, settings.preRelayBudget());
              refuse(WebSocketCloseStatus.POLICY_VIOLATION, "too much data before pairing");
            }
            return;
          }
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  // ------------------------------------------------------------------ Netty side

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    InetSocketAddress r = (InetSocketAddress) channel.remoteAddress();
    setRemote(r == null ? new InetSocketAddress(0) : AddrMangle.normalize(r));
  }

  private void setRemote(InetSocketAddress address) {
    remote = address;
    String ip = remote.getAddress() == null ? "?" : AccessLists.normalize(remote.getAddress());
    description = (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + remote.getPort();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timer = channel.eventLoop().schedule(() -> {
      if (state == State.HTTP) {
        LOG.debug("{}: no WebSocket handshake within {} ms", description, settings.handshakeMillis());
        channel.close();
      }
    }, settings.handshakeMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelActive();
  }

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
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.RELAYING) {
      inbound.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (state == State.RELAYING) {
      inbound.writabilityChanged(channel.isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    State was = state;
    state = State.CLOSED;
    cancelTimer();
    releaseHeld();
    if (was == State.WAITING) {
      settings.hub().withdraw(uuid, this);
    } else if (was == State.RELAYING) {
      inbound.closed("connection closed");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a CorruptedWebSocketFrameException (too big, not masked, ...) comes with the decoder's
    // close frame already sent
    LOG.debug("{}: {}", description, cause.toString());
    channel.close();
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
      if (settings.hub().access().blocked(AccessLists.normalize(client.getAddress()))) {
        LOG.debug("refused {}: blocklist", description);
        channel.close();
        return;
      }
    }
    WebSocketServerHandshaker13 handshaker = new WebSocketServerHandshaker13(
        "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri(), null,
        settings.decoderConfig());
    // Frames that came with the request reach onFrame from inside handshake() (the replaced
    // HTTP decoder hands its leftover bytes to the WebSocket decoder): state and timer first.
    state = State.HANDSHAKE;
    cancelTimer();
    timer = channel.eventLoop().schedule(() -> {
      if (state == State.HANDSHAKE) {
        LOG.debug("{}: no RequestRelay within {} ms", description, settings.firstMessageMillis());
        refuse(WebSocketCloseStatus.POLICY_VIOLATION, "no RequestRelay");
      }
    }, settings.firstMessageMillis(), TimeUnit.MILLISECONDS);
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
    int limit = state == State.HANDSHAKE ? settings.firstMessageLimit() : settings.maxMessageSize();
    ByteBuf content = frame.content();
    if (fragments == null && frame.isFinalFragment()) {
      if (content.readableBytes() > limit) {
        frame.release();
        tooBig(limit);
        return;
      }
      onMessage(content);
      return;
    }
    long size = (fragments == null ? 0 : fragments.readableBytes()) + (long) content.readableBytes();
    if (size > limit) {
      frame.release();
      tooBig(limit);
      return;
    }
    if (fragments == null) {
      fragments = channel.alloc().buffer((int) Math.min(limit, Math.max(256L, 2L * content.readableBytes())), limit);
    }
    fragments.writeBytes(content);
    frame.release();
    if (frame.isFinalFragment()) {
      ByteBuf message = fragments;
      fragments = null;
      onMessage(message);
    }
  }

  private void tooBig(int limit) {
    LOG.debug("{}: message over {} bytes", description, limit);
    refuse(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message over " + limit + " bytes");
  }

  /** One complete binary message; ownership passes here. */
  private void onMessage(ByteBuf message) {
    switch (state) {
      case RELAYING -> inbound.data(message);
      case HANDSHAKE -> onRequest(message);
      case CHECKING, WAITING -> hold(message);
      default -> message.release();
    }
  }

  // ------------------------------------------------------------------ before pairing

  private void onRequest(ByteBuf message) {
    byte[] payload;
    try {
      payload = ByteBufUtil.getBytes(message);
    } finally {
      message.release();
    }
    // hbbr reads nothing more until the pair is made
    channel.config().setAutoRead(false);
    state = State.CHECKING;
    cancelTimer();
    RendezvousMessage m = payload.length == 0 ? null : Envelopes.parse(payload);
    if (m == null || m.getUnionCase() != RendezvousMessage.UnionCase.REQUEST_RELAY) {
      refuse(WebSocketCloseStatus.POLICY_VIOLATION, "first message is not a RequestRelay");
      return;
    }
    RequestRelay rr = m.getRequestRelay();
    if (settings.key().isPresent() && !settings.key().get().equals(rr.getLicenceKey())) {
      refuse(WebSocketCloseStatus.POLICY_VIOLATION, "key mismatch"); // no reply, as hbbr (§7.1 step 5)
      return;
    }
    String u = rr.getUuid();
    if (u.isEmpty()) {
      refuse(WebSocketCloseStatus.POLICY_VIOLATION, "empty uuid");
      return;
    }
    uuid = u;
    if (!settings.brokeredOnly()) {
      park();
      return;
    }
    settings.hub().brokerage().wasBrokered(u).onComplete(ar -> onLoop(() -> {
      if (ar.succeeded() && Boolean.TRUE.equals(ar.result())) {
        park();
      } else {
        refuse(WebSocketCloseStatus.POLICY_VIOLATION, "uuid not brokered by this server");
      }
    }));
  }

  /** Closes with a close frame carrying {@code status}; nothing else is sent. */
  private void refuse(WebSocketCloseStatus status, String why) {
    LOG.debug("{}: {}", description, why);
    if (state != State.HTTP && channel.isActive()) {
      channel.writeAndFlush(new CloseWebSocketFrame(status));
    }
    channel.close();
  }

  private void park() {
    if (state != State.CHECKING || !channel.isActive()) {
      return;
    }
    state = State.WAITING;
    if (settings.hub().offer(uuid, this) == null && state == State.WAITING) {
      timer = channel.eventLoop().schedule(() -> {
        if (state == State.WAITING && settings.hub().withdraw(uuid, this)) {
          LOG.debug("{}: no partner for {} within {} ms", description, uuid, settings.pairMillis());
          channel.close();
        }
      }, settings.pairMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** A message that came before the partner; kept for it (SignedId, §12 item 14). */
  private void hold(ByteBuf message) {
    if (held == null) {
      held = new ArrayDeque<>(2);
    }
    held.add(message);
    heldBytes += message.readableBytes();
    if (heldBytes > settings.preRelayBudget()) {
      refuse(WebSocketCloseStatus.POLICY_VIOLATION, "too much data before pairing");
    }
  }

  private void releaseHeld() {
    if (held != null) {
      for (ByteBuf b : held) {
        b.release();
      }
      held = null;
    }
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void onLoop(Runnable task) {
    if (channel.eventLoop().inEventLoop()) {
      task.run();
    } else {
      channel.eventLoop().execute(task);
    }
  }

  // ------------------------------------------------------------------ RelayEndpoint

  @Override
  public Framing framing() {
    return Framing.MESSAGE;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public EventExecutor executor() {
    return channel.eventLoop();
  }

  @Override
  public boolean attach(Inbound in) {
    if (state != State.WAITING || !channel.isActive()) {
      return false;
    }
    cancelTimer();
    state = State.RELAYING;
    inbound = in;
    if (held != null) {
      ArrayDeque<ByteBuf> h = held;
      held = null;
      for (ByteBuf b : h) {
        in.data(b);
      }
    }
    // as for TCP: a writability change while we were not attached was not passed on
    if (channel.isWritable()) {
      in.writabilityChanged(true);
    }
    return true;
  }

  @Override
  public void setReading(boolean on) {
    channel.config().setAutoRead(on);
  }

  @Override
  public void capReads(int bytes) {
    reads.cap(bytes);
  }

  @Override
  public void write(ByteBuf data) {
    channel.write(new BinaryWebSocketFrame(data), channel.voidPromise());
  }

  @Override
  public void flush() {
    channel.flush();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public long pendingOutboundBytes() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  @Override
  public void close(boolean afterFlush) {
    if (!channel.isActive()) {
      channel.close();
      return;
    }
    ChannelFuture sent = channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
    if (!afterFlush || sent.isDone()) {
      channel.close();
      return;
    }
    sent.addListener(ChannelFutureListener.CLOSE);
    ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
      channel.close();
    }, TcpRelayEndpoint.GRACEFUL_CLOSE_MILLIS, TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> deadline.cancel(false));
  }

  @Override
  public boolean isOpen() {
    return channel.isActive() && state != State.CLOSED;
  }
}
