package dev.vertdesk.config;

/**
 * The admin HTTP port ({@code verticles.admin.config}).
 *
 * @param tokenFile              bearer token file, relative to the data directory
 * @param broadcastTimeoutMillis how long an admin request waits for every node's answer
 * @param readyTimeoutMillis     how long readiness waits for the store and the cluster
 * @param maxConnections         connections the admin port holds at most (event streams included),
 *                               counted apart from the public ports so that neither starves the other
 * @param maxConnectionsPerIp    connections one address may hold on the admin port
 */
public record AdminOptions(String host, int port, String tokenFile, int broadcastTimeoutMillis,
                           int readyTimeoutMillis, int maxConnections, int maxConnectionsPerIp) {

  static AdminOptions from(ConfigBlock c, String host, int port) {
    String tokenFile = c.string("tokenFile");
    if (tokenFile.isEmpty()) {
      throw new ConfigException(c.path("tokenFile"), "must not be empty");
    }
    return new AdminOptions(host, port, tokenFile,
        c.integer("broadcastTimeoutMillis", 100, 60_000),
        c.integer("readyTimeoutMillis", 100, 60_000),
        c.integer("maxConnections", 1, 100_000),
        c.integer("maxConnectionsPerIp", 1, 100_000));
  }
}
