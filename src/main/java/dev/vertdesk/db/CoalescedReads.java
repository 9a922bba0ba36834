package dev.vertdesk.db;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A read of cached rows run again on request (an announcement from another node, a timer): the
 * requests that come while a read runs share one more read after it, so a burst of requests costs
 * two reads, and the last one sees every change announced before it.
 */
public final class CoalescedReads {

  private final Supplier<Future<Void>> read;
  private final Consumer<Throwable> failed;
  // guarded by this
  private boolean reading;
  private Promise<Void> readAgain;

  /**
   * @param read   reads the rows and replaces what is cached
   * @param failed told of a read that failed (what was cached stays)
   */
  public CoalescedReads(Supplier<Future<Void>> read, Consumer<Throwable> failed) {
    this.read = read;
    this.failed = failed;
  }

  /** Completes when a read that started after this call has finished. */
  public Future<Void> request() {
    synchronized (this) {
      if (reading) {
        if (readAgain == null) {
          readAgain = Promise.promise();
        }
        return readAgain.future();
      }
      reading = true;
    }
    return read.get().onComplete(ar -> {
      if (ar.failed()) {
        failed.accept(ar.cause());
      }
      Promise<Void> next;
      synchronized (this) {
        reading = false;
        next = readAgain;
        readAgain = null;
      }
      if (next != null) {
        request().onComplete(next);
      }
    });
  }
}
