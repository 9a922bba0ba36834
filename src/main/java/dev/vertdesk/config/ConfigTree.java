package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The effective configuration before it is parsed.
 *
 * @param tree      defaults, file, environment and command-line layers merged
 * @param variables which {@code VERTDESK_*} variable set which path, so that errors name it
 * @param flags     which command-line flag (or {@code -c} options file) set which path
 */
public record ConfigTree(JsonObject tree, Map<String, String> variables, Map<String, String> flags) {

  public ConfigTree(JsonObject tree, Map<String, String> variables) {
    this(tree, variables, Map.of());
  }

  /** Where the value at {@code path} came from, for messages: a flag, a variable, else the configuration. */
  String origin(String path) {
    String flag = flags.get(path);
    if (flag != null) {
      return " (from " + flag + ")";
    }
    String variable = variables.get(path);
    return variable == null ? "" : " (from environment variable " + variable + ")";
  }
}
