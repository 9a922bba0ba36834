package dev.vertdesk.app;

import dev.vertdesk.cluster.ClusterSupport;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.metrics.Metrics;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Entry point of {@code vertdesk.jar}: the configuration is read and checked first (a bad key
 * stops here, before anything opens), then Vert.x's application launcher starts the node
 * ({@code -conf}, {@code -cluster}, {@code -options} ...) with Vertdesk's main verticle.
 */
public final class VertdeskApplication implements VertxApplicationHooks {

  /** Exit status of a start refused for its configuration (sysexits' EX_CONFIG). */
  static final int EXIT_CONFIG = 78;

  private final NodeSetup setup;
  private volatile MainVerticle main;
  private volatile boolean sigtermDrains;
  /** Built with the Vert.x builder, configured once the launcher has applied its options. */
  private ClusterManager clusterManager;

  private VertdeskApplication(NodeSetup setup) {
    this.setup = setup;
  }

  public static void main(String[] args) {
    // rustdesk-utils commands (genkeypair, validatekeypair, doctor) run without starting Vert.x
    if (args.length > 0 && dev.vertdesk.tools.Utilities.isCommand(args[0])) {
      System.exit(dev.vertdesk.tools.Utilities.run(args));
    }
    // java -jar vertdesk.jar admin <command>: the admin API's command-line client
    if (args.length > 0 && dev.vertdesk.tools.AdminCli.isCommand(args[0])) {
      System.exit(dev.vertdesk.tools.AdminCli.run(Arrays.copyOfRange(args, 1, args.length)));
    }
    NodeSetup setup;
    try {
      setup = NodeSetup.load(ConfigLoader.readConf(confOption(args)), System.getenv());
    } catch (ConfigException e) {
      System.err.println("vertdesk: " + e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    int code = new VertxApplication(args, new VertdeskApplication(setup)).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The value of {@code -conf} / {@code --conf} (also {@code -conf=value}), as the launcher reads it. */
  static String confOption(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i].toLowerCase(Locale.ROOT);
      if ((a.equals("-conf") || a.equals("--conf")) && i + 1 < args.length) {
        return args[i + 1];
      }
      if (a.startsWith("-conf=") || a.startsWith("--conf=")) {
        return args[i].substring(args[i].indexOf('=') + 1);
      }
    }
    return null;
  }

  @Override
  public void beforeStartingVertx(HookContext context) {
    // The UDP path runs a Netty epoll datagram channel on Vert.x's event loops.
    context.vertxOptions().setPreferNativeTransport(true);
    // Prometheus metrics for /metrics, unless -options brought metrics options of its own
    if (!Metrics.configured(context.vertxOptions().getMetricsOptions())) {
      context.vertxOptions().setMetricsOptions(Metrics.defaultOptions(Metrics.DEFAULT_REGISTRY));
    }
    // -cluster-host is known only now: Hazelcast binds it unless cluster.host says otherwise
    EventBusOptions bus = context.vertxOptions().getEventBusOptions();
    ClusterConfig c = setup.config().cluster().withHost(bus.getHost());
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
      main = new MainVerticle(setup);
      return main;
    };
  }

  /** SIGTERM now drains first ({@link DrainOnSigterm}). */
  @Override
  public void afterVerticleDeployed(HookContext context) {
    sigtermDrains = DrainOnSigterm.install(() -> main);
  }

  /**
   * Vert.x is closing. Where no SIGTERM handler could be installed, drain here — new connections
   * are refused and live relay sessions may finish, up to {@code drainTimeoutSeconds} — then let
   * the verticles stop. (With the handler, SIGTERM has drained already, and Ctrl-C stops at once.)
   */
  @Override
  public void beforeStoppingVertx(HookContext context) {
    MainVerticle m = main;
    if (!sigtermDrains && m != null) {
      try {
        m.drainForShutdown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
