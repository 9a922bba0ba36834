package dev.vertdesk.config;

/**
 * NAT test and online queries on the base port − 1 ({@code verticles.nat.config}).
 *
 * @param firstMessageTimeoutSeconds time allowed for the one request of a connection
 */
public record NatOptions(String host, int port, int firstMessageTimeoutSeconds) {

  static NatOptions from(ConfigBlock c, String host, int port) {
    return new NatOptions(host, port, c.integer("firstMessageTimeoutSeconds", 1, 3600));
  }
}
