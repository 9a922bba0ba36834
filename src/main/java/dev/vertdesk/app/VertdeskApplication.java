package dev.vertdesk.app;

import dev.vertdesk.cluster.ClusterSupport;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.CommandLineSettings;
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
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Entry point of {@code vertdesk.jar}. The command line is read first ({@link LauncherArgs}): the
 * tools run without a server, a typo stops with a suggestion. A server start reads and checks
 * the whole configuration before anything opens (a bad key stops here), then Vert.x's application
 * launcher starts the node ({@code -cluster}, {@code -options} ...) with Vertdesk's main verticle.
 * A start that fails says why in one line and exits at once.
 */
public final class VertdeskApplication implements VertxApplicationHooks {

  /** Exit status of a start refused for its configuration (sysexits' EX_CONFIG). */
  static final int EXIT_CONFIG = 78;
  /** Exit status of a start that failed once running (a port in use, a broken key file ...). */
  static final int EXIT_START_FAILED = 1;
  /** How long a failed start waits for Vert.x to close what it opened before exiting. */
  private static final long CLOSE_AFTER_FAILURE_MILLIS = 10_000;
  /** The system property the container image sets: the image's conventions apply ({@link ContainerConventions}). */
  static final String CONTAINER_PROPERTY = "vertdesk.container";

  private final NodeSetup setup;
  private volatile MainVerticle main;
  private volatile boolean sigtermDrains;
  /** Set once the node is up: only a node that started drains on the way down. */
  private volatile boolean deployed;
  /** Built with the Vert.x builder, configured once the launcher has applied its options. */
  private ClusterManager clusterManager;

  private VertdeskApplication(NodeSetup setup) {
    this.setup = setup;
  }

  public static void main(String[] args) {
    int code = run(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the command line; 0 when a server started (it keeps running), else the exit status. */
  private static int run(String[] args) {
    LauncherCommand command;
    try {
      command = LauncherArgs.read(args);
    } catch (LauncherArgs.UsageException e) {
      System.err.println("vertdesk: " + e.getMessage());
      System.err.println("Run 'vertdesk --help' for usage.");
      return LauncherArgs.EXIT_USAGE;
    }
    if (command instanceof LauncherCommand.Help h) {
      System.out.print(LauncherHelp.text(h.topic()));
      return 0;
    }
    if (command instanceof LauncherCommand.Version) {
      System.out.println(LauncherHelp.version());
      return 0;
    }
    if (command instanceof LauncherCommand.Utility u) {
      return dev.vertdesk.tools.Utilities.run(u.args());
    }
    if (command instanceof LauncherCommand.Admin a) {
      return dev.vertdesk.tools.AdminCli.run(a.args());
    }
    if (command instanceof LauncherCommand.Healthcheck h) {
      return Healthcheck.run(h, System.getenv(), System.out);
    }
    return serve((LauncherCommand.Serve) command, System.getenv());
  }

  private static int serve(LauncherCommand.Serve serve, Map<String, String> env) {
    boolean container = Boolean.getBoolean(CONTAINER_PROPERTY);
    NodeSetup setup;
    try {
      CommandLineSettings settings = container ? ContainerConventions.settings(serve, env) : serve.settings();
      setup = NodeSetup.load(ConfigLoader.readConf(serve.conf().orElse(null)), env, settings);
      if (container) {
        ContainerConventions.installKeys(setup.config().server().dataDir(), env, ContainerConventions.SECRETS);
      }
    } catch (ConfigException e) {
      System.err.println("vertdesk: " + e.getMessage() + (container ? ContainerConventions.hint(e) : ""));
      return EXIT_CONFIG;
    }
    // no usage text and no exit from Vert.x's launcher: every argument it sees was checked above
    return new VertxApplication(serve.vertxArgs().toArray(String[]::new), new VertdeskApplication(setup), false, false) {
    }.launch();
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
    deployed = true;
    sigtermDrains = DrainOnSigterm.install(() -> main);
  }

  /** The cluster could not be formed: one line, then exit. */
  @Override
  public void afterFailureToStartVertx(HookContext context, Throwable failure) {
    System.err.println("vertdesk: cannot start: cannot join the cluster: " + StartFailure.describe(failure));
    System.exit(EXIT_START_FAILED);
  }

  /**
   * The node failed to start (a port in use, an unreadable key file ...): one line that says why,
   * before whatever closing what was opened logs, and no drain of a node that never served.
   */
  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable failure) {
    System.err.println("vertdesk: cannot start: " + StartFailure.describe(failure));
    System.err.flush();
    try {
      context.vertx().close().toCompletionStage().toCompletableFuture()
          .get(CLOSE_AFTER_FAILURE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // exiting anyway: the process is going, with whatever it held
    }
    System.exit(failure instanceof ConfigException ? EXIT_CONFIG : EXIT_START_FAILED);
  }

  /**
   * Vert.x is closing. Where no SIGTERM handler could be installed, drain here — new connections
   * are refused and live relay sessions may finish, up to {@code drainTimeoutSeconds} — then let
   * the verticles stop. (With the handler, SIGTERM has drained already, and Ctrl-C stops at once.)
   */
  @Override
  public void beforeStoppingVertx(HookContext context) {
    MainVerticle m = main;
    if (deployed && !sigtermDrains && m != null) {
      try {
        m.drainForShutdown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
