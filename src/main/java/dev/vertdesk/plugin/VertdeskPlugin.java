package dev.vertdesk.plugin;

import dev.vertdesk.server.ServerContext;
import io.vertx.core.Deployable;

/**
 * A verticle shipped in its own jar and deployed like a built-in one. Vertdesk loads every jar
 * in the plugins directory ({@code pluginsDir}) with its own class loader, finds the
 * implementations of this interface listed in the jar's
 * {@code META-INF/services/dev.vertdesk.plugin.VertdeskPlugin}, and deploys each one whose
 * {@code verticles.<name>} block is enabled, with that block's {@code instances} and
 * {@code config} (the verticle's {@code config()}).
 *
 * <p>A plugin sees what built-in verticles see: the node's {@link ServerContext} (registry,
 * store, keys, drain state, event publisher ...), the same Vert.x instance and event bus, and
 * the addresses in {@link dev.vertdesk.events.Addresses}. Vertdesk's own classes and its
 * dependencies (Vert.x, Netty, SLF4J ...) come from the server; a plugin bundles only what the
 * server does not have.
 *
 * <p>Implementations need a public no-argument constructor.
 */
public interface VertdeskPlugin {

  /**
   * The name under {@code verticles}: letters and digits, starting with a lower-case letter
   * (so {@code VERTDESK_VERTICLES__<NAME>__ENABLED} reaches it), and not a built-in name.
   */
  String name();

  /** One verticle instance; called once per instance, on the deploying thread. */
  Deployable create(ServerContext ctx);
}
