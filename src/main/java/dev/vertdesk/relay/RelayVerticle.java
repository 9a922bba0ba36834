package dev.vertdesk.relay;

import dev.vertdesk.config.RelayOptions;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.node.NodeCore;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay (RustDesk's hbbr, docs/protocol.md §7) on its TCP port, 21117 by default (the base port
 * + 1). Each instance runs a Netty server channel on its own Vert.x event loop and keeps its
 * connections there ({@link RelayPortVerticle}, shared with the WebSocket relay); pairing, usage,
 * limits and the access lists are shared by all instances of the node through {@link RelayHub}.
 * When the node drains, the port stops taking connections and live sessions go on until the
 * drain deadline.
 *
 * <p>Differences from hbbr, on purpose: the key is checked by default ({@code checkKey}); a
 * client on loopback is relayed like any other (there is no admin console on this port); blacklist
 * and blocklist entries match however the client's address was reported (IPv4-mapped or not);
 * {@code 0} or a negative bandwidth means unlimited.
 */
public final class RelayVerticle extends RelayPortVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);

  public RelayVerticle(NodeCore core, RelayHub hub, RelayOptions options, ConnectionLimiter limiter) {
    super(core, hub, options, limiter, "relay", LOG);
  }

  @Override
  public Future<?> start() {
    ChannelRelayEndpoint.Admission admission = admission();
    String details = String.format("key check %s, brokered only %s, total/single/slow %s/%s/%s Mb/s, "
            + "at most %d bytes held", admission.key().isPresent() ? "on" : "off", relay.brokeredOnly(),
        limit(relay.totalBandwidth()), limit(relay.singleBandwidth()), limit(relay.limitSpeed()),
        hub.heldBytes().max());
    return bind(relay.host(), relay.port(), details,
        (ch, reads) -> ch.pipeline().addLast(new TcpRelayEndpoint(admission, reads)));
  }

  private static String limit(double mbps) {
    return mbps > 0 ? (mbps == Math.rint(mbps) ? Long.toString((long) mbps) : Double.toString(mbps)) : "unlimited";
  }
}
