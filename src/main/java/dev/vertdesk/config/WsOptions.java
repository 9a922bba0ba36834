package dev.vertdesk.config;

/** The WebSocket rendezvous bridge ({@code verticles.ws.config}). */
public record WsOptions(String host, int port, int idleTimeoutSeconds, int maxMessageSize) {

  static WsOptions from(ConfigBlock c, String host, int port) {
    return new WsOptions(host, port,
        c.integer("idleTimeoutSeconds", 1, 3600),
        c.integer("maxMessageSize", 1024, 1 << 24));
  }
}
