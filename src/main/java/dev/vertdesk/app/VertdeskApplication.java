package dev.vertdesk.app;

import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import java.util.function.Supplier;

/**
 * Entry point of {@code vertdesk.jar}: Vert.x's application launcher ({@code -conf},
 * {@code -cluster}, {@code -options} ...) with Vertdesk's main verticle and defaults.
 */
public final class VertdeskApplication implements VertxApplicationHooks {

  public static void main(String[] args) {
    // rustdesk-utils commands (genkeypair, validatekeypair, doctor) run without starting Vert.x
    if (args.length > 0 && dev.vertdesk.tools.Utilities.isCommand(args[0])) {
      System.exit(dev.vertdesk.tools.Utilities.run(args));
    }
    int code = new VertxApplication(args, new VertdeskApplication()).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public void beforeStartingVertx(HookContext context) {
    // The UDP path runs a Netty epoll datagram channel on Vert.x's event loops.
    context.vertxOptions().setPreferNativeTransport(true);
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    return Vertx.builder().with(options);
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return MainVerticle::new;
  }
}
