package dev.vertdesk.relay;

import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.server.IpRanges;
import dev.vertdesk.server.ServerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket relay (hbbr's relay port + 2, 21119 by default): the web client and clients in
 * WebSocket mode relay through it, on any path ({@code /ws/relay} behind a reverse proxy). Each
 * binary message carries one peer message (PROTOCOL.md §2.3); a WebSocket end pairs with a TCP
 * end or another WebSocket end by uuid, and mixed pairs are re-framed (§7.3).
 *
 * <p>It is the TCP relay's second door, not a second relay: it shares the node's
 * {@link RelayHub} (waiting table, live sessions, total bandwidth, access lists) with
 * {@link RelayVerticle}, and takes the relay rules (key check, brokered only, timeouts, bandwidth,
 * socket buffers) from {@code verticles.relay.config}, whether or not the TCP relay runs on this
 * node. Its own block ({@code verticles.wsrelay.config}) holds only what is WebSocket-specific.
 * The client address comes from {@code X-Real-IP} / {@code X-Forwarded-For} only behind a trusted
 * proxy ({@code trustedProxies}), and the blocklist is checked for both the TCP peer and that
 * address. The port, its connections and draining are handled as the TCP relay's
 * ({@link RelayPortVerticle}).
 */
public final class WsRelayVerticle extends RelayPortVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(WsRelayVerticle.class);
  /** Largest request line and header block of the upgrade request. */
  static final int MAX_HTTP_LINE = 4096;
  static final int MAX_HTTP_HEADERS = 8192;

  /**
   * This verticle's settings ({@code verticles.wsrelay.config}).
   *
   * @param handshakeTimeoutSeconds time from the TCP connect to a complete upgrade request
   * @param maxMessageSize          largest message a paired client may send, fragments included
   */
  public record Options(String host, int port, int handshakeTimeoutSeconds, int maxMessageSize) {

    static Options from(VerticleBlock block) {
      return new Options(
          block.string("host", ""),
          block.integer("port", 21119, 0, 65535),
          block.integer("handshakeTimeoutSeconds", 10, 1, 3600),
          block.integer("maxMessageSize", 16 << 20, 1024, 64 << 20));
    }
  }

  /**
   * hbbr's rule, WebSocket relay = relay port + 2, for a node whose {@code verticles.relay.config}
   * sets a port of its own; empty when it does not (then the base port + 3 applies).
   */
  public static OptionalInt portFollowingRelay(JsonObject verticles) {
    if (verticles == null || !(verticles.getValue("relay") instanceof JsonObject)) {
      return OptionalInt.empty();
    }
    VerticleBlock relay = VerticleBlock.from("relay", verticles);
    if (relay.config().getValue("port") == null) {
      return OptionalInt.empty();
    }
    int port = relay.integer("port", 0, 0, 65535);
    return port > 0 && port + 2 <= 65535 ? OptionalInt.of(port + 2) : OptionalInt.empty();
  }

  public WsRelayVerticle(ServerContext ctx) {
    super(ctx, "wsrelay", LOG);
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("wsrelay", config()));
    // the relay's rules, from its own block (the port and host there are not used)
    RelayVerticle.Options relay = RelayVerticle.Options.from(VerticleBlock.from("relay", ctx.config().verticles()));
    IpRanges trusted = IpRanges.parse("trustedProxies", ctx.config().trustedProxies());
    return acquireHub(relay).compose(hub -> {
      WsRelayEndpoint.Settings settings = new WsRelayEndpoint.Settings(admission(relay), trusted,
          TimeUnit.SECONDS.toMillis(o.handshakeTimeoutSeconds()), o.maxMessageSize());
      String details = String.format("key check %s, brokered only %s, max message %d bytes",
          settings.admission().key().isPresent() ? "on" : "off", relay.brokeredOnly(), o.maxMessageSize());
      HttpDecoderConfig http = new HttpDecoderConfig()
          .setMaxInitialLineLength(MAX_HTTP_LINE)
          .setMaxHeaderSize(MAX_HTTP_HEADERS);
      return bind(o.host(), o.port(), relay, details, (ch, reads) -> {
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
    });
  }
}
