package dev.vertdesk.app;

import dev.vertdesk.cluster.ClusterSupport;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigLoader;
import io.vertx.core.Deployable;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
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

  private volatile MainVerticle main;
  private volatile boolean sigtermDrains;

  public static void main(String[] args) {
    // rustdesk-utils commands (genkeypair, validatekeypair, doctor) run without starting Vert.x
    if (args.length > 0 && dev.vertdesk.tools.Utilities.isCommand(args[0])) {
      System.exit(dev.vertdesk.tools.Utilities.run(args));
    }
    // java -jar vertdesk.jar admin <command>: the admin API's command-line client
    if (args.length > 0 && dev.vertdesk.tools.AdminCli.isCommand(args[0])) {
      System.exit(dev.vertdesk.tools.AdminCli.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    int code = new VertxApplication(args, new VertdeskApplication()).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The {@code cluster} block, read once the -conf JSON is known (env layers included). */
  private ClusterConfig cluster;
  /** Built with the Vert.x builder, configured once the launcher has applied its options. */
  private io.vertx.core.spi.cluster.ClusterManager clusterManager;

  @Override
  public JsonObject afterConfigParsed(JsonObject config) {
    try {
      cluster = ClusterConfig.from(ConfigLoader.load(config == null ? new JsonObject() : config, System.getenv()));
    } catch (RuntimeException e) {
      // the main verticle reads the same tree and fails the start with the key's name
      cluster = null;
    }
    return config;
  }

  @Override
  public void beforeStartingVertx(HookContext context) {
    // The UDP path runs a Netty epoll datagram channel on Vert.x's event loops.
    context.vertxOptions().setPreferNativeTransport(true);
    // Prometheus metrics for /metrics, unless -options brought metrics options of its own
    if (!dev.vertdesk.metrics.Metrics.configured(context.vertxOptions().getMetricsOptions())) {
      context.vertxOptions().setMetricsOptions(
          dev.vertdesk.metrics.Metrics.defaultOptions(dev.vertdesk.metrics.Metrics.DEFAULT_REGISTRY));
    }
    // -cluster-host is known only now: Hazelcast binds it unless cluster.host says otherwise
    EventBusOptions bus = context.vertxOptions().getEventBusOptions();
    ClusterConfig c = (cluster != null ? cluster : ClusterConfig.from(new JsonObject())).withHost(bus.getHost());
    if (bus.getHost() == null) {
      // without -cluster-host Vert.x would pick any interface for the event bus
      bus.setHost(c.host());
    }
    ClusterSupport.configure(clusterManager, c);
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    // used only with -cluster; without it the builder makes a plain Vert.x
    clusterManager = ClusterSupport.unconfigured();
    return Vertx.builder().with(options).withClusterManager(clusterManager);
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return () -> {
      main = new MainVerticle();
      return main;
    };
  }

  /** SIGTERM now drains first ({@link DrainOnSigterm}). */
  @Override
  public void afterVerticleDeployed(HookContext context) {
    sigtermDrains = DrainOnSigterm.install(() -> main == null ? null : main.serverContext());
  }

  /**
   * Vert.x is closing. Where no SIGTERM handler could be installed, drain here — new connections
   * are refused and live relay sessions may finish, up to {@code drainTimeoutSeconds} — then let
   * the verticles stop. (With the handler, SIGTERM has drained already, and Ctrl-C stops at once.)
   */
  @Override
  public void beforeStoppingVertx(HookContext context) {
    MainVerticle m = main;
    if (!sigtermDrains && m != null && m.serverContext() != null) {
      try {
        NodeOperations.drainAndAwait(m.serverContext());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
