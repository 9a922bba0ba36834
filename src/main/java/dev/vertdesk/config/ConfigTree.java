package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The effective configuration before it is parsed.
 *
 * @param tree      defaults, file and environment layers merged
 * @param variables which {@code VERTDESK_*} variable set which path, so that errors name it
 */
public record ConfigTree(JsonObject tree, Map<String, String> variables) {

  /** Where the value at {@code path} came from, for messages: a variable, else the configuration. */
  String origin(String path) {
    String variable = variables.get(path);
    return variable == null ? "" : " (from environment variable " + variable + ")";
  }
}
