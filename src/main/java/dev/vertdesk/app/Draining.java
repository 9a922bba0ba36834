package dev.vertdesk.app;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.node.Drain;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.relay.RelaySessions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draining a node: the {@link Addresses#ADMIN_DRAIN} command, and the wait at shutdown for live
 * relay sessions ({@code drainTimeoutSeconds}, {@code drainGraceSeconds}).
 */
final class Draining {

  private static final Logger LOG = LoggerFactory.getLogger(Draining.class);

  private final NodeCore core;
  private final Optional<RelaySessions> relay;
  private final MessageConsumer<Object> commands;

  private Draining(Vertx vertx, NodeCore core, Optional<RelaySessions> relay) {
    this.core = core;
    this.relay = relay;
    this.commands = vertx.eventBus().localConsumer(Addresses.ADMIN_DRAIN, m -> m.reply(begin("admin command")));
  }

  /** Listens for the drain command; completes once it is registered. */
  static Future<Draining> start(Vertx vertx, NodeCore core, Optional<RelaySessions> relay) {
    Draining d = new Draining(vertx, core, relay);
    return d.commands.completion().map(d);
  }

  /** Starts draining this node; the reply body of {@link Addresses#ADMIN_DRAIN}. */
  JsonObject begin(String why) {
    Drain drain = core.drain();
    boolean started = drain.begin();
    int sessions = liveSessions();
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
  void awaitShutdown() throws InterruptedException {
    boolean started = begin("shutdown").getBoolean("started");
    long deadline = core.drain().deadlineMillis();
    long graceEnd = core.drain().graceEndMillis();
    if (graceEnd > System.currentTimeMillis()) {
      LOG.info("shutting down in {} ms at the earliest: not ready meanwhile", graceEnd - System.currentTimeMillis());
    }
    int live = liveSessions();
    boolean waited = false;
    while ((live > 0 || System.currentTimeMillis() < graceEnd) && System.currentTimeMillis() < deadline) {
      waited |= live > 0;
      Thread.sleep(100);
      live = liveSessions();
    }
    if (System.currentTimeMillis() >= deadline && (live > 0 || waited)) {
      LOG.info("drain deadline reached: remaining relay sessions are closed");
      // let the relay's deadline timer close them before the verticles stop
      long until = System.currentTimeMillis() + 1000;
      while (liveSessions() > 0 && System.currentTimeMillis() < until) {
        Thread.sleep(20);
      }
    } else if (started || waited) {
      LOG.info("drained: no live relay sessions");
    }
  }

  private int liveSessions() {
    return relay.map(RelaySessions::size).orElse(0);
  }

  void close() {
    commands.unregister();
  }
}
