package dev.vertdesk.relay;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-safe token bucket kept as one "theoretical arrival time" (the GCRA form): charging
 * {@code n} bytes moves that time forward by {@code n / rate}; the caller is told how long to
 * wait before reading more so that the long-run rate stays at {@code rate} with at most
 * {@code burst} worth of credit saved up while idle.
 *
 * <p>The relay has always already read the bytes it charges (it forwards them at once and then
 * pauses reading), so a charge never fails: it only returns a delay. One bucket may be charged
 * from several event loops at once (the two directions of a pair, or every pair for the total
 * limit), hence the lock-free update.
 */
public final class TokenBucket {

  /** Bits per "Mb" in hbbr's units (docs/protocol.md §7.4): 1024 × 1024. */
  public static final double BITS_PER_MB = 1024.0 * 1024.0;

  private final double nanosPerByte;
  private final long burstNanos;
  private final AtomicLong tat;

  /**
   * @param bytesPerSecond long-run rate, &gt; 0
   * @param burstBytes     credit an idle bucket can save up
   * @param nowNanos       current {@link System#nanoTime()}
   */
  public TokenBucket(double bytesPerSecond, long burstBytes, long nowNanos) {
    if (!(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive: " + bytesPerSecond);
    }
    this.nanosPerByte = 1e9 / bytesPerSecond;
    this.burstNanos = (long) Math.max(0, burstBytes * nanosPerByte);
    this.tat = new AtomicLong(nowNanos);
  }

  /**
   * A bucket for {@code mbps} Mb/s (1 Mb = 1024 × 1024 bits) with 50 ms of burst (at least
   * 16 KiB), or {@code null} when {@code mbps} is not positive: unlimited.
   */
  public static TokenBucket megabitsPerSecond(double mbps, long nowNanos) {
    if (!(mbps > 0)) {
      return null;
    }
    double bytesPerSecond = mbps * BITS_PER_MB / 8;
    long burst = Math.max(16 * 1024, (long) (bytesPerSecond * 0.05));
    return new TokenBucket(bytesPerSecond, burst, nowNanos);
  }

  /** Bytes per second this bucket lets through in the long run. */
  public double bytesPerSecond() {
    return 1e9 / nanosPerByte;
  }

  /**
   * Charges {@code bytes} at {@code nowNanos}.
   *
   * @return nanoseconds the caller should wait before reading again; 0 when within the burst
   */
  public long charge(long bytes, long nowNanos) {
    long cost = (long) (bytes * nanosPerByte);
    while (true) {
      long current = tat.get();
      // an idle bucket saves up at most burstNanos of credit
      long start = Math.max(current, nowNanos - burstNanos);
      long next = start + cost;
      if (tat.compareAndSet(current, next)) {
        long wait = next - nowNanos;
        return wait > 0 ? wait : 0;
      }
    }
  }
}
