package dev.vertdesk.config;

/**
 * One entry of {@code verticles}: whether it runs on this node, how many instances, its typed
 * options.
 */
public record Deployment<T>(String name, boolean enabled, int instances, T options) {

  static <T> Deployment<T> of(ConfigBlock block, String name, T options) {
    return new Deployment<>(name, block.bool("enabled"), block.integer("instances", 1, 64), options);
  }
}
