package dev.vertdesk.relay;

import dev.vertdesk.config.RelayOptions;
import java.util.concurrent.TimeUnit;

/**
 * The timing and bandwidth rules every session of one relay follows (docs/protocol.md §7.2–§7.4),
 * derived once from the verticle's options.
 *
 * @param totalMbps                 TOTAL_BANDWIDTH, Mb/s (1 Mb = 1024 × 1024 bits); ≤ 0 unlimited
 * @param singleMbps                SINGLE_BANDWIDTH per pair, both directions together; ≤ 0 unlimited
 * @param limitMbps                 LIMIT_SPEED for downgraded or blacklisted pairs; ≤ 0 unlimited
 * @param downgradeThreshold        DOWNGRADE_THRESHOLD, fraction of SINGLE_BANDWIDTH
 * @param downgradeStartCheckMillis DOWNGRADE_START_CHECK in milliseconds
 * @param idleNanos                 a pair with no data either way for this long is closed
 */
public record RelayPolicy(double totalMbps, double singleMbps, double limitMbps,
                          double downgradeThreshold, long downgradeStartCheckMillis, long idleNanos) {

  public static RelayPolicy of(RelayOptions o) {
    return new RelayPolicy(o.totalBandwidth(), o.singleBandwidth(), o.limitSpeed(), o.downgradeThreshold(),
        (long) (o.downgradeStartCheck() * 1000), TimeUnit.SECONDS.toNanos(o.idleTimeoutSeconds()));
  }

  /** Downgrade needs a per-pair limit to compare with, and a positive threshold. */
  public boolean downgradeEnabled() {
    return singleMbps > 0 && downgradeThreshold > 0 && limitMbps > 0;
  }

  /**
   * hbbr's downgrade line: a pair whose lifetime average exceeds this many bits per millisecond
   * is downgraded, i.e. {@code floor(SINGLE bit/s × pct / 100 / 1000)} with the threshold stored
   * as a whole percentage.
   */
  public long downgradeBitsPerMilli() {
    long pct = (long) (downgradeThreshold * 100);
    double singleBits = singleMbps * TokenBucket.BITS_PER_MB;
    return (long) Math.floor(singleBits * pct / 100 / 1000);
  }

  /** How often each session runs its checks: a quarter of the idle time, 50 ms to 1 s. */
  public long tickMillis() {
    return Math.max(50, Math.min(1000, idleNanos / 4_000_000));
  }
}
