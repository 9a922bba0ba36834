package dev.vertdesk.config;

/**
 * The UDP registration verticle ({@code verticles.udp.config}).
 *
 * @param host bind address ({@code ""}: every interface)
 * @param rmem SO_RCVBUF in bytes (0: the system's)
 */
public record UdpOptions(String host, int port, int rmem) {

  static UdpOptions from(ConfigBlock c, String host, int port) {
    return new UdpOptions(host, port, c.integer("rmem", 0, 1 << 30));
  }
}
