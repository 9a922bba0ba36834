package dev.vertdesk.server;

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
  private volatile long timeoutMillis = 60_000;
  private volatile long graceMillis;
  private volatile long beganAtMillis = -1;

  public boolean draining() {
    return draining.get();
  }

  /** How long live relay sessions may go on once draining starts ({@code drainTimeoutSeconds}). */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** Sets the deadline's distance from the start of draining (the main verticle, from config). */
  public void timeoutMillis(long millis) {
    this.timeoutMillis = Math.max(0, millis);
  }

  /**
   * How long a node that is shutting down stays up, not ready, even with nothing live
   * ({@code drainGraceSeconds}): time for a load balancer's readiness probe to see it go.
   */
  public void graceMillis(long millis) {
    this.graceMillis = Math.max(0, millis);
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
