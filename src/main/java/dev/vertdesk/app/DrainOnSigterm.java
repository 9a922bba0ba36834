package dev.vertdesk.app;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM drains before anything stops: new connections are refused, live relay sessions may
 * finish up to {@code drainTimeoutSeconds}, and only then does the JVM exit (status 143, as after
 * a plain SIGTERM), running the launcher's shutdown hook that closes Vert.x. Doing this in the
 * signal handler rather than in a shutdown hook keeps Vert.x whole while draining. A second
 * SIGTERM exits at once.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported); where it is unavailable, the
 * launcher's close hook still drains ({@link VertdeskApplication#beforeStoppingVertx}).
 */
final class DrainOnSigterm {

  private static final Logger LOG = LoggerFactory.getLogger(DrainOnSigterm.class);
  static final int EXIT_STATUS = 128 + 15;

  private static final AtomicBoolean TERMINATING = new AtomicBoolean();

  private DrainOnSigterm() {
  }

  /** @return whether the handler is in place */
  static boolean install(Supplier<MainVerticle> node) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> onTerm(node));
      return true;
    } catch (RuntimeException | LinkageError e) {
      LOG.debug("no SIGTERM handler ({}); draining from the shutdown hook instead", e.toString());
      return false;
    }
  }

  private static void onTerm(Supplier<MainVerticle> node) {
    if (!TERMINATING.compareAndSet(false, true)) {
      LOG.info("second SIGTERM: stopping now");
      exit();
      return;
    }
    Thread drain = new Thread(() -> {
      try {
        MainVerticle m = node.get();
        if (m != null) {
          m.drainForShutdown();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.warn("drain failed: {}", e.toString());
      } finally {
        System.exit(EXIT_STATUS);
      }
    }, "vertdesk-sigterm");
    drain.start();
  }

  private static void exit() {
    Thread t = new Thread(() -> System.exit(EXIT_STATUS), "vertdesk-sigterm-exit");
    t.start();
  }
}
