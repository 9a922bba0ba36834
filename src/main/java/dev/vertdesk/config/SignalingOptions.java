package dev.vertdesk.config;

/**
 * TCP signaling on the base port ({@code verticles.signaling.config}).
 *
 * @param secureTcp offer the KeyExchange of secure TCP (only when the server can sign)
 */
public record SignalingOptions(String host, int port, int idleTimeoutSeconds, int maxFrameSize, boolean secureTcp) {

  static SignalingOptions from(ConfigBlock c, String host, int port) {
    return new SignalingOptions(host, port,
        c.integer("idleTimeoutSeconds", 1, 3600),
        c.integer("maxFrameSize", 1024, 1 << 24),
        c.bool("secureTcp"));
  }
}
