package dev.vertdesk.config;

/**
 * The relay's rules ({@code verticles.relay.config}), which the WebSocket relay follows too.
 *
 * @param checkKey           close a RequestRelay whose licence_key differs from the server's key
 *                           (when the server has one)
 * @param brokeredOnly       accept only uuids our signaling handed out within the last minute
 * @param totalBandwidth     hbbr's TOTAL_BANDWIDTH, Mb/s (≤ 0: unlimited); likewise
 *                           {@code singleBandwidth}, {@code limitSpeed}
 * @param downgradeStartCheck seconds of full-speed relaying before a session may be downgraded
 * @param readBufferSize     largest single read from a socket, bytes
 * @param writeHighWaterMark bytes queued for one client before its peer stops being read
 * @param pooledBuffers      read into Netty's pooled buffers (off: unpooled, for measurements)
 * @param maxHeldBytes       bytes all relay connections of the node may hold together in
 *                           unfinished and queued messages (0: a quarter of the JVM's direct-memory
 *                           limit, which the relay works out)
 */
public record RelayOptions(String host, int port, boolean checkKey, boolean brokeredOnly,
                           int firstMessageTimeoutSeconds, int pairTimeoutSeconds, int idleTimeoutSeconds,
                           int maxFrameSize, double totalBandwidth, double singleBandwidth, double limitSpeed,
                           double downgradeThreshold, double downgradeStartCheck, int accessListPollMillis,
                           int readBufferSize, int writeHighWaterMark, boolean pooledBuffers,
                           int maxHeldBytes) {

  /** The smallest explicit {@code maxHeldBytes}. */
  public static final int MIN_HELD_BYTES = 1 << 20;

  static RelayOptions from(ConfigBlock c, String host, int port) {
    return new RelayOptions(host, port,
        c.bool("checkKey"),
        c.bool("brokeredOnly"),
        c.integer("firstMessageTimeoutSeconds", 1, 3600),
        c.integer("pairTimeoutSeconds", 1, 3600),
        c.integer("idleTimeoutSeconds", 1, 86_400),
        c.integer("maxFrameSize", 64, 1 << 20),
        c.decimal("totalBandwidth"),
        c.decimal("singleBandwidth"),
        c.decimal("limitSpeed"),
        c.decimal("downgradeThreshold"),
        c.decimal("downgradeStartCheck"),
        c.integer("accessListPollMillis", 100, 60_000),
        c.integer("readBufferSize", 1024, 4 << 20),
        c.integer("writeHighWaterMark", 8 * 1024, 64 << 20),
        c.bool("pooledBuffers"),
        heldBytes(c));
  }

  /** 0 (derived), or at least 1 MiB: less could not hold one ordinary video frame. */
  private static int heldBytes(ConfigBlock c) {
    int v = c.integer("maxHeldBytes", 0, Integer.MAX_VALUE);
    if (v != 0 && v < MIN_HELD_BYTES) {
      throw new ConfigException(c.path("maxHeldBytes"), v + " is outside 0 (derived) or "
          + MIN_HELD_BYTES + ".." + Integer.MAX_VALUE);
    }
    return v;
  }
}
