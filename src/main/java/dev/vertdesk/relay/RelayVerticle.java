package dev.vertdesk.relay;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.server.ServerContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay (RustDesk's hbbr, PROTOCOL.md §7) on its TCP port, 21117 by default (the base port
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

  /**
   * This verticle's settings ({@code verticles.relay.config}).
   *
   * @param checkKey           close a RequestRelay whose licence_key differs from the server's key
   *                           (when the server has one)
   * @param brokeredOnly       accept only uuids our signaling handed out within the last minute
   * @param readBufferSize     largest single read from a socket, bytes
   * @param writeHighWaterMark bytes queued for one client before its peer stops being read
   */
  public record Options(String host, int port, boolean checkKey, boolean brokeredOnly,
                        int firstMessageTimeoutSeconds, int pairTimeoutSeconds, int idleTimeoutSeconds,
                        int maxFrameSize, double totalBandwidth, double singleBandwidth, double limitSpeed,
                        double downgradeThreshold, double downgradeStartCheck, int accessListPollMillis,
                        int readBufferSize, int writeHighWaterMark, boolean pooledBuffers) {

    static Options from(VerticleBlock block) {
      JsonObject c = block.config();
      return new Options(
          block.string("host", ""),
          block.integer("port", 21117, 0, 65535),
          block.bool("checkKey", true),
          block.bool("brokeredOnly", false),
          block.integer("firstMessageTimeoutSeconds", 30, 1, 3600),
          block.integer("pairTimeoutSeconds", 30, 1, 3600),
          block.integer("idleTimeoutSeconds", 30, 1, 86_400),
          block.integer("maxFrameSize", 16384, 64, 1 << 20),
          decimal(c, "totalBandwidth", 1024),
          decimal(c, "singleBandwidth", 128),
          decimal(c, "limitSpeed", 32),
          decimal(c, "downgradeThreshold", 0.66),
          decimal(c, "downgradeStartCheck", 1800),
          block.integer("accessListPollMillis", 1000, 100, 60_000),
          block.integer("readBufferSize", 256 * 1024, 1024, 4 << 20),
          block.integer("writeHighWaterMark", 256 * 1024, 8 * 1024, 64 << 20),
          block.bool("pooledBuffers", true));
    }

    RelayPolicy policy() {
      return new RelayPolicy(totalBandwidth, singleBandwidth, limitSpeed, downgradeThreshold,
          (long) (downgradeStartCheck * 1000), TimeUnit.SECONDS.toNanos(idleTimeoutSeconds));
    }

    private static double decimal(JsonObject c, String key, double def) {
      Object v = c.getValue(key);
      if (v == null || (v instanceof String s && s.isBlank())) {
        return def;
      }
      double d;
      try {
        d = v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new ConfigException("verticles.relay.config." + key, "not a number: " + v);
      }
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new ConfigException("verticles.relay.config." + key, "not a finite number: " + v);
      }
      return d;
    }
  }

  public RelayVerticle(ServerContext ctx) {
    super(ctx, "relay", LOG);
  }

  @Override
  public Future<?> start() {
    Options o = Options.from(VerticleBlock.ofConfig("relay", config()));
    return acquireHub(o).compose(hub -> {
      ChannelRelayEndpoint.Admission admission = admission(o);
      String details = String.format("key check %s, brokered only %s, total/single/slow %s/%s/%s Mb/s",
          admission.key().isPresent() ? "on" : "off", o.brokeredOnly(), limit(o.totalBandwidth()),
          limit(o.singleBandwidth()), limit(o.limitSpeed()));
      return bind(o.host(), o.port(), o, details,
          (ch, reads) -> ch.pipeline().addLast(new TcpRelayEndpoint(admission, reads)));
    });
  }

  private static String limit(double mbps) {
    return mbps > 0 ? (mbps == Math.rint(mbps) ? Long.toString((long) mbps) : Double.toString(mbps)) : "unlimited";
  }
}
