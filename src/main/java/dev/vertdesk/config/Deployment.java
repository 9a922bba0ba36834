package dev.vertdesk.config;

/**
 * One entry of {@code verticles}: whether it runs on this node, how many instances, its typed
 * options.
 */
public record Deployment<T>(String name, boolean enabled, int instances, T options) {

  /** @param inRole whether the node's {@link Role} runs this verticle at all */
  static <T> Deployment<T> of(ConfigBlock block, String name, T options, boolean inRole) {
    boolean enabled = block.bool("enabled");
    return new Deployment<>(name, inRole && enabled, block.integer("instances", 1, 64), options);
  }
}
