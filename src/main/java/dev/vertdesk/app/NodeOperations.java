package dev.vertdesk.app;

import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.OperationOptions;
import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.plugin.PluginLoader;
import dev.vertdesk.relay.RelaySessions;
import dev.vertdesk.server.Drain;
import dev.vertdesk.server.ServerContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main verticle's operational side: the plugins loaded from {@code pluginsDir}, deployed
 * like built-in verticles, and draining ({@code drainTimeoutSeconds}, the
 * {@link Addresses#ADMIN_DRAIN} command, and the wait for live relay sessions at shutdown).
 */
final class NodeOperations {

  private static final Logger LOG = LoggerFactory.getLogger(NodeOperations.class);

  private final PluginLoader.Plugins plugins;
  private final MessageConsumer<Object> drainCommands;

  private NodeOperations(PluginLoader.Plugins plugins, MessageConsumer<Object> drainCommands) {
    this.plugins = plugins;
    this.drainCommands = drainCommands;
  }

  static NodeOperations none() {
    return new NodeOperations(PluginLoader.Plugins.none(), null);
  }

  /** Reads the options, loads the plugin jars (on a worker) and listens for the drain command. */
  static Future<NodeOperations> start(Vertx vertx, JsonObject conf, Map<String, String> environ,
                                      ServerContext ctx, Set<String> builtIns) {
    return vertx.executeBlocking(() -> {
      OperationOptions ops = OperationOptions.from(ConfigLoader.load(conf, environ));
      ctx.drain().timeoutMillis(TimeUnit.SECONDS.toMillis(ops.drainTimeoutSeconds()));
      ctx.drain().graceMillis(TimeUnit.SECONDS.toMillis(ops.drainGraceSeconds()));
      return PluginLoader.load(ops.pluginsDir().orElseGet(PluginLoader::defaultDir), builtIns);
    }).compose(plugins -> {
      MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(Addresses.ADMIN_DRAIN,
          m -> m.reply(beginDrain(ctx, "admin command")));
      return consumer.completion().map(v -> new NodeOperations(plugins, consumer))
          .onFailure(e -> plugins.close());
    });
  }

  /** Starts draining {@code ctx}'s node; the reply body of {@link Addresses#ADMIN_DRAIN}. */
  static JsonObject beginDrain(ServerContext ctx, String why) {
    Drain drain = ctx.drain();
    boolean started = drain.begin();
    int sessions = RelaySessions.of(ctx).map(RelaySessions::size).orElse(0);
    if (started) {
      LOG.info("draining ({}): new connections are refused, {} live relay sessions may go on for {} s",
          why, sessions, TimeUnit.MILLISECONDS.toSeconds(drain.timeoutMillis()));
    }
    return new JsonObject()
        .put("draining", true)
        .put("started", started)
        .put("timeoutSeconds", TimeUnit.MILLISECONDS.toSeconds(drain.timeoutMillis()))
        .put("deadline", drain.deadlineMillis())
        .put("relaySessions", sessions);
  }

  /**
   * For shutdown (SIGTERM): starts draining and blocks the calling thread until the grace period
   * is over and no relay session is live, or the drain deadline has passed (the relay closes what
   * is left then). Meanwhile {@code /health/ready} says not ready and UDP still answers. Never
   * call it on an event loop.
   */
  static void drainAndAwait(ServerContext ctx) throws InterruptedException {
    boolean started = beginDrain(ctx, "shutdown").getBoolean("started");
    long deadline = ctx.drain().deadlineMillis();
    long graceEnd = ctx.drain().graceEndMillis();
    if (graceEnd > System.currentTimeMillis()) {
      LOG.info("shutting down in {} ms at the earliest: not ready meanwhile", graceEnd - System.currentTimeMillis());
    }
    int live = liveSessions(ctx);
    boolean waited = false;
    while ((live > 0 || System.currentTimeMillis() < graceEnd) && System.currentTimeMillis() < deadline) {
      waited |= live > 0;
      Thread.sleep(100);
      live = liveSessions(ctx);
    }
    if (System.currentTimeMillis() >= deadline && (live > 0 || waited)) {
      LOG.info("drain deadline reached: remaining relay sessions are closed");
      // let the relay's deadline timer close them before the verticles stop
      long until = System.currentTimeMillis() + 1000;
      while (liveSessions(ctx) > 0 && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
    } else if (started || waited) {
      LOG.info("drained: no live relay sessions");
    }
  }

  private static int liveSessions(ServerContext ctx) {
    return RelaySessions.of(ctx).map(RelaySessions::size).orElse(0);
  }

  Set<String> pluginNames() {
    return plugins.names();
  }

  boolean hasPlugin(String name) {
    return plugins.has(name);
  }

  /** Deploys every plugin whose {@code verticles.<name>} block is enabled, with its config. */
  void deployPlugins(Vertx vertx, ServerContext ctx, JsonObject verticles, List<Future<String>> deployments) {
    for (PluginLoader.Loaded p : plugins.all()) {
      VerticleBlock block = VerticleBlock.from(p.name(), verticles);
      if (!block.enabled()) {
        continue;
      }
      deployments.add(vertx.deployVerticle(() -> p.plugin().create(ctx), new DeploymentOptions()
              .setInstances(block.instances())
              .setConfig(block.config())
              .setClassLoader(p.loader()))
          .onSuccess(id -> LOG.info("plugin {} deployed ({} instance(s))", p.name(), block.instances()))
          .recover(e -> Future.failedFuture(new IllegalStateException(
              "plugin " + p.name() + " (" + p.jar().getFileName() + ") failed to start: " + e.getMessage(), e))));
    }
  }

  void close() {
    if (drainCommands != null) {
      drainCommands.unregister();
    }
    plugins.close();
  }
}
