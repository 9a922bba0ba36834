package dev.vertdesk.config;

/**
 * TCP signaling on the base port ({@code verticles.signaling.config}).
 *
 * @param secureTcp              offer the KeyExchange of secure TCP (only when the server can sign)
 * @param httpProxyTimeoutMillis how long an API request tunnelled through the connection (an
 *                               HttpProxyRequest) may take, to the node serving the API and back
 */
public record SignalingOptions(String host, int port, int idleTimeoutSeconds, int maxFrameSize, boolean secureTcp,
                               int httpProxyTimeoutMillis) {

  static SignalingOptions from(ConfigBlock c, String host, int port) {
    return new SignalingOptions(host, port,
        c.integer("idleTimeoutSeconds", 1, 3600),
        c.integer("maxFrameSize", 1024, 1 << 24),
        c.bool("secureTcp"),
        c.integer("httpProxyTimeoutMillis", 100, 60_000));
  }
}
