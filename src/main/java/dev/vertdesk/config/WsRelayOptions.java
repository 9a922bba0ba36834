package dev.vertdesk.config;

/**
 * The WebSocket relay ({@code verticles.wsrelay.config}); the relay's rules come from
 * {@link RelayOptions}.
 *
 * @param handshakeTimeoutSeconds time from the TCP connect to a complete upgrade request
 * @param maxMessageSize          largest message a paired client may send, fragments included
 */
public record WsRelayOptions(String host, int port, int handshakeTimeoutSeconds, int maxMessageSize) {

  static WsRelayOptions from(ConfigBlock c, String host, int port) {
    return new WsRelayOptions(host, port,
        c.integer("handshakeTimeoutSeconds", 1, 3600),
        c.integer("maxMessageSize", 1024, 64 << 20));
  }
}
