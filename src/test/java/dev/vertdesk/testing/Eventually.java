package dev.vertdesk.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for observable state instead of sleeping for an ordering. */
public final class Eventually {

  private Eventually() {
  }

  /** Polls {@code condition} every 10 ms until it holds; fails naming {@code what} after {@code millis}. */
  public static void until(BooleanSupplier condition, long millis, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + millis + " ms: " + what);
      }
      Thread.sleep(10);
    }
  }

  /**
   * Runs {@code connect}, then waits until the node's relay has one more connection waiting for
   * its partner than before: the first end of a pair is parked, so the second is the one that pairs.
   */
  public static <T> T parked(TestNode node, ThrowingSupplier<T> connect) throws Exception {
    int before = node.relay().sessions().waiting();
    T first = connect.get();
    until(() -> node.relay().sessions().waiting() > before, 3000, "the first end is parked");
    return first;
  }

  /** A supplier that may throw, for client connections. */
  @FunctionalInterface
  public interface ThrowingSupplier<T> {
    T get() throws Exception;
  }
}
