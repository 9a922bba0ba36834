package dev.vertdesk.config;

/**
 * The {@code verticles.<name>} block of a verticle that is not built in: a plugin's, whose
 * {@code config} the plugin itself checks.
 */
public record PluginBlock(String name, boolean enabled, int instances, ConfigBlock config) {

  static PluginBlock from(ConfigBlock block, String name) {
    return new PluginBlock(name, block.bool("enabled", false), block.integer("instances", 1, 1, 64),
        block.child("config"));
  }
}
