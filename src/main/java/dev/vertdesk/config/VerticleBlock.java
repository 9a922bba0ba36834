package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;

/** One entry of {@code verticles}: whether it runs on this node, how many instances, its config. */
public record VerticleBlock(String name, boolean enabled, int instances, JsonObject config) {

  public static VerticleBlock from(String name, JsonObject verticles) {
    String prefix = "verticles." + name + ".";
    JsonObject block = Json.object(verticles, "verticles.", name);
    return new VerticleBlock(
        name,
        Json.bool(block, prefix, "enabled", false),
        Json.integer(block, prefix, "instances", 1, 1, 64),
        Json.object(block, prefix, "config").copy());
  }

  /** The block as a deployed verticle sees it: its own {@code config()} object. */
  public static VerticleBlock ofConfig(String name, JsonObject config) {
    return new VerticleBlock(name, true, 1, config == null ? new JsonObject() : config);
  }

  /** Typed reads for a verticle's own settings, with the key's full name in errors. */
  public int integer(String key, int def, int min, int max) {
    return Json.integer(config, prefix(), key, def, min, max);
  }

  public boolean bool(String key, boolean def) {
    return Json.bool(config, prefix(), key, def);
  }

  public String string(String key, String def) {
    return Json.string(config, prefix(), key, def);
  }

  private String prefix() {
    return "verticles." + name + ".config.";
  }
}
