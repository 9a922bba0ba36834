package dev.vertdesk.plugin;

import dev.vertdesk.config.PluginBlock;
import io.vertx.core.Deployable;

/**
 * A verticle shipped in its own jar and deployed like a built-in one. Vertdesk loads every jar
 * in the plugins directory ({@code pluginsDir}) with its own class loader, finds the
 * implementations of this interface listed in the jar's
 * {@code META-INF/services/dev.vertdesk.plugin.VertdeskPlugin}, checks each plugin's
 * {@code verticles.<name>} block with {@link #options} while the configuration is validated
 * (before anything opens), and deploys each enabled one with that block's {@code instances}.
 *
 * <p>A plugin sees the node through its {@link PluginContext} and the event addresses declared in
 * {@link dev.vertdesk.events.Addresses}; both are kept stable across versions. Vertdesk's own
 * classes and its dependencies (Vert.x, Netty, SLF4J, Micrometer ...) come from the server; a
 * plugin bundles only what the server does not have.
 *
 * <p>Implementations need a public no-argument constructor.
 *
 * @param <O> the plugin's typed options
 */
public interface VertdeskPlugin<O> {

  /**
   * The name under {@code verticles}: letters and digits, starting with a lower-case letter
   * (so {@code VERTDESK_VERTICLES__<NAME>__ENABLED} reaches it), and not a built-in name.
   */
  String name();

  /**
   * Checks the plugin's block and turns its {@code config} into typed options; called once per
   * start, whether or not the plugin is enabled.
   *
   * @throws dev.vertdesk.config.ConfigException naming the key at fault
   *     ({@link dev.vertdesk.config.ConfigBlock} reads name it)
   */
  O options(PluginBlock block);

  /** One verticle instance; called once per instance, on the deploying thread. */
  Deployable create(PluginContext context, O options);
}
