package dev.vertdesk.app;

import dev.vertdesk.config.CommandLineSettings;
import dev.vertdesk.config.ConfigBlock;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.config.PluginBlock;
import dev.vertdesk.config.Spelling;
import dev.vertdesk.logging.LogFormat;
import dev.vertdesk.plugin.PluginLoader;
import dev.vertdesk.store.PeerStores;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a node starts with: its whole configuration, parsed and validated before anything opens
 * (every key known, every value usable, the database URL readable, each plugin's block accepted by
 * its plugin), and the plugins it loaded. A configuration error stops the start here, naming the
 * key.
 *
 * @param config  the typed configuration
 * @param store   where the peer table lives
 * @param plugins the loaded plugin jars; closed when the node stops
 * @param pluginDeployments every loaded plugin with its block and checked options
 */
public record NodeSetup(NodeConfig config, PeerStores.Location store, PluginLoader.Plugins plugins,
                        List<PluginDeployment> pluginDeployments) {

  /** One loaded plugin with its {@code verticles.<name>} block and the options it made of it. */
  public record PluginDeployment(PluginLoader.Loaded loaded, PluginBlock block, Object options) {
  }

  /**
   * Loads and checks everything: the layers of {@link dev.vertdesk.config.ConfigLoader}, the
   * database URL and the plugins. Reads files: call it before Vert.x starts or on a worker.
   *
   * @throws ConfigException naming the key at fault
   */
  public static NodeSetup load(JsonObject conf, Map<String, String> environ) {
    return load(conf, environ, CommandLineSettings.NONE);
  }

  /** Like {@link #load(JsonObject, Map)}, with the command line as the last layer. */
  public static NodeSetup load(JsonObject conf, Map<String, String> environ, CommandLineSettings commandLine) {
    NodeConfig config = NodeConfig.load(conf, environ, commandLine);
    config.operations().jsonLogs().ifPresent(LogFormat::use);
    PeerStores.Location store = PeerStores.locate(config.server().dbUrl(), config.server().dataDir());
    DataDirectory.check(config, store);
    PluginLoader.Plugins plugins = PluginLoader.load(
        config.operations().pluginsDir().orElseGet(PluginLoader::defaultDir), Set.copyOf(NodeConfig.BUILT_IN));
    try {
      return new NodeSetup(config, store, plugins, checkPlugins(config, plugins));
    } catch (RuntimeException e) {
      plugins.close();
      throw e;
    }
  }

  private static List<PluginDeployment> checkPlugins(NodeConfig config, PluginLoader.Plugins plugins) {
    for (String name : config.plugins().keySet()) {
      if (!plugins.has(name)) {
        Set<String> known = new TreeSet<>(NodeConfig.BUILT_IN);
        known.addAll(plugins.names());
        throw new ConfigException("verticles." + name, "no such verticle"
            + Spelling.closest(name, known).map(k -> "; did you mean '" + k + "'?").orElse("")
            + " (built in: " + String.join(", ", NodeConfig.BUILT_IN) + "; plugins: "
            + (plugins.names().isEmpty() ? "none" : String.join(", ", plugins.names())) + ")");
      }
    }
    List<PluginDeployment> out = new ArrayList<>();
    for (PluginLoader.Loaded p : plugins.all()) {
      PluginBlock block = config.plugins().getOrDefault(p.name(),
          new PluginBlock(p.name(), false, 1, new ConfigBlock(new JsonObject(), "verticles." + p.name() + ".config")));
      Object options;
      try {
        options = p.plugin().options(block);
      } catch (ConfigException e) {
        throw e;
      } catch (RuntimeException | LinkageError e) {
        throw new ConfigException("verticles." + p.name(), "plugin " + p.name() + " (" + p.jar().getFileName()
            + ") refused its configuration: " + e);
      }
      out.add(new PluginDeployment(p, block, options));
    }
    return List.copyOf(out);
  }
}
