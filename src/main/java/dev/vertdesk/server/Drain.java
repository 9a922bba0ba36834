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

  public boolean draining() {
    return draining.get();
  }

  /** Starts draining; listeners run once, on the caller's thread. @return false if already draining */
  public boolean begin() {
    List<Runnable> toRun;
    synchronized (this) {
      if (draining.get()) {
        return false;
      }
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
