package dev.vertdesk.store;

/**
 * Whether the store takes writes, for readiness: a failed write (a batch that could not be
 * committed, a failed write probe) makes it "failing" for {@code holdMillis}, long enough for the
 * next probe to fail again while the cause lasts, so that a probe which happens to get through
 * (it writes little) does not make a broken store look healthy between failures. Thread-safe.
 */
final class WriteHealth {

  private final long holdMillis;
  private long lastFailureAt;
  private String lastFailure;

  WriteHealth(long holdMillis) {
    this.holdMillis = holdMillis;
  }

  synchronized void failed(long now, Throwable cause) {
    lastFailureAt = now;
    lastFailure = String.valueOf(cause.getMessage());
  }

  /**
   * Why writes are not known to work at {@code now}, or {@code null} when no write failed within
   * the hold time.
   */
  synchronized String problem(long now) {
    if (lastFailure == null || now - lastFailureAt >= holdMillis) {
      return null;
    }
    return lastFailure + " (" + Math.max(0, now - lastFailureAt) / 1000 + " s ago)";
  }
}
