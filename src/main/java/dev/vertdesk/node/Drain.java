package dev.vertdesk.node;

import java.util.List;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this node is draining: it stops taking new work (relay sessions, connections) and
 * reports not-ready, while what is live finishes. Started once, by SIGTERM or an admin command.
 */
public final class Drain {

  private final AtomicBoolean draining = new AtomicBoolean();
  private final List<Runnable> listeners = new ArrayList<>();
  private final long timeoutMillis;
  private final long graceMillis;
  private volatile long beganAtMillis = -1;

  /**
   * @param timeoutMillis how long live relay sessions may go on once draining starts
   *                      ({@code drainTimeoutSeconds})
   * @param graceMillis   how long a node that is shutting down stays up, not ready, even with
   *                      nothing live ({@code drainGraceSeconds}): time for a load balancer's
   *                      readiness probe to see it go
   */
  public Drain(long timeoutMillis, long graceMillis) {
    this.timeoutMillis = Math.max(0, timeoutMillis);
    this.graceMillis = Math.max(0, graceMillis);
  }

  public boolean draining() {
    return draining.get();
  }

  /** How long live relay sessions may go on once draining starts ({@code drainTimeoutSeconds}). */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** Epoch milliseconds before which a shutdown does not end, within the deadline; -1 while not draining. */
  public long graceEndMillis() {
    long began = beganAtMillis;
    return began < 0 ? -1 : began + Math.min(graceMillis, timeoutMillis);
  }

  /** Epoch milliseconds when live relay sessions are closed; -1 while not draining. */
  public long deadlineMillis() {
    long began = beganAtMillis;
    return began < 0 ? -1 : began + timeoutMillis;
  }

  /** Starts draining; listeners run once, on the caller's thread. @return false if already draining */
  public boolean begin() {
    List<Runnable> toRun;
    synchronized (this) {
      if (draining.get()) {
        return false;
      }
      beganAtMillis = System.currentTimeMillis();
      draining.set(true);
      toRun = List.copyOf(listeners);
      listeners.clear();
    }
    toRun.forEach(Runnable::run);
    return true;
  }

  /** Runs {@code listener} when draining starts (at once if it already has). */
  public void onBegin(Runnable listener) {
    synchronized (this) {
      if (!draining.get()) {
        listeners.add(listener);
        return;
      }
    }
    listener.run();
  }
}
