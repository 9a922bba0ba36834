package dev.vertdesk.config;

import java.util.List;

/**
 * The API server ({@code verticles.api.config}): what a logged-in RustDesk client, the admin REST
 * API and the web console talk to, on the base port − 2 (21114) as in RustDesk Server Pro.
 *
 * @param maxBodyBytes largest request body read; larger ones are refused with 413
 * @param maxJsonDepth deepest nesting of arrays and objects accepted in a JSON body
 * @param corsOrigins  origins allowed to call the API from a browser (RustDesk's public web
 *                     client is {@code https://rustdesk.com}); {@code *} for any; empty for none
 */
public record ApiOptions(String host, int port, int maxBodyBytes, int maxJsonDepth, List<String> corsOrigins) {

  static ApiOptions from(ConfigBlock c, String host, int port) {
    List<String> origins = List.copyOf(c.list("corsOrigins"));
    for (String o : origins) {
      if (!o.equals("*") && !o.matches("https?://[A-Za-z0-9.:\\[\\]-]+")) {
        throw new ConfigException(c.path("corsOrigins"), "expected * or origins like https://rustdesk.com, got " + o);
      }
    }
    return new ApiOptions(host, port,
        c.integer("maxBodyBytes", 1024, 64 << 20),
        c.integer("maxJsonDepth", 2, 256),
        origins);
  }
}
