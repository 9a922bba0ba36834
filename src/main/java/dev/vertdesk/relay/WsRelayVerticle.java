package dev.vertdesk.relay;

import dev.vertdesk.config.RelayOptions;
import dev.vertdesk.config.WsRelayOptions;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.node.NodeCore;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket relay (hbbr's relay port + 2, 21119 by default): the web client and clients in
 * WebSocket mode relay through it, on any path ({@code /ws/relay} behind a reverse proxy). Each
 * binary message carries one peer message (docs/protocol.md §2.3); a WebSocket end pairs with a TCP
 * end or another WebSocket end by uuid, and mixed pairs are re-framed (§7.3).
 *
 * <p>It is the TCP relay's second door, not a second relay: it shares the node's
 * {@link RelayHub} (waiting table, live sessions, total bandwidth, access lists) with
 * {@link RelayVerticle}, and takes the relay rules (key check, brokered only, timeouts, bandwidth,
 * socket buffers) from {@code verticles.relay.config}, whether or not the TCP relay runs on this
 * node. Its own block ({@code verticles.wsrelay.config}) holds only what is WebSocket-specific.
 * The client address comes from {@code X-Real-IP} / {@code X-Forwarded-For} only behind a trusted
 * proxy ({@code trustedProxies}); the blocklist is checked, and connections are counted per
 * address, for that address too. The port, its connections and draining are handled as the TCP
 * relay's ({@link RelayPortVerticle}).
 */
public final class WsRelayVerticle extends RelayPortVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(WsRelayVerticle.class);
  /** Largest request line and header block of the upgrade request. */
  static final int MAX_HTTP_LINE = 4096;
  static final int MAX_HTTP_HEADERS = 8192;

  private final WsRelayOptions options;

  public WsRelayVerticle(NodeCore core, RelayHub hub, RelayOptions relay, WsRelayOptions options,
                         ConnectionLimiter limiter) {
    super(core, hub, relay, limiter, "wsrelay", LOG);
    this.options = options;
  }

  @Override
  public Future<?> start() {
    WsRelayEndpoint.Settings settings = new WsRelayEndpoint.Settings(admission(),
        core.config().server().trustedProxies(), TimeUnit.SECONDS.toMillis(options.handshakeTimeoutSeconds()),
        options.maxMessageSize());
    String details = String.format("key check %s, brokered only %s, max message %d bytes, at most %d bytes held",
        settings.admission().key().isPresent() ? "on" : "off", relay.brokeredOnly(), options.maxMessageSize(),
        hub.heldBytes().max());
    if (hub.heldBytes().max() < options.maxMessageSize()) {
      LOG.warn("wsrelay: the relay may hold {} bytes in all (maxHeldBytes), less than one message of "
          + "maxMessageSize {}: such messages will be refused", hub.heldBytes().max(), options.maxMessageSize());
    }
    HttpDecoderConfig http = new HttpDecoderConfig()
        .setMaxInitialLineLength(MAX_HTTP_LINE)
        .setMaxHeaderSize(MAX_HTTP_HEADERS);
    return bind(options.host(), options.port(), details, (ch, reads) -> {
      WsRelayEndpoint endpoint = new WsRelayEndpoint(settings, reads);
      // the encoder goes before the decoder so that the WebSocket encoder, which the upgrade
      // puts in its place, also carries the close frames the WebSocket decoder sends
      ch.pipeline()
          .addLast("budget", endpoint.budget())
          .addLast("http-encoder", new HttpResponseEncoder())
          .addLast("http-decoder", new HttpRequestDecoder(http))
          .addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_HEADERS))
          .addLast("relay", endpoint);
    });
  }
}
