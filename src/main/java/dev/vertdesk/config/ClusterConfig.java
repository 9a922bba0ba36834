package dev.vertdesk.config;

import java.util.List;

/**
 * The {@code cluster} block: how this node finds the others when started with {@code -cluster}.
 * TCP-IP join only (no multicast, no cloud discovery, no phone-home).
 *
 * @param name                 cluster name; nodes with another name never merge
 * @param host                 the interface Hazelcast binds and the event bus uses; empty: the
 *                             launcher's {@code -cluster-host}, else 127.0.0.1 ({@link #withHost})
 * @param port                 first Hazelcast member port
 * @param portCount            ports tried from {@code port} upwards on this host
 * @param members              other members, {@code host} or {@code host:port}
 * @param configFile           a Hazelcast XML/YAML file that replaces the settings above
 * @param joinWaitSeconds      Hazelcast's wait before join (lets simultaneous starts merge)
 * @param requestTimeoutMillis cross-node requests (device sends, answer routing) fail after this
 */
public record ClusterConfig(String name, String host, int port, int portCount, List<String> members,
                            String configFile, int joinWaitSeconds, long requestTimeoutMillis) {

  static ClusterConfig from(ConfigBlock c) {
    String name = c.string("name");
    if (name.isBlank()) {
      throw new ConfigException(c.path("name"), "must not be empty");
    }
    String host = c.string("host");
    if (!host.isEmpty() && !ServerConfig.isIpLiteral(host)) {
      throw new ConfigException(c.path("host"), "expected an IP address, got " + host);
    }
    List<String> members = List.copyOf(c.list("members"));
    for (String m : members) {
      if (!m.matches("[0-9A-Za-z.:\\[\\]-]+")) {
        throw new ConfigException(c.path("members"), "expected host or host:port entries, got " + m);
      }
    }
    return new ClusterConfig(name, host,
        c.integer("port", 1, 65535),
        c.integer("portCount", 1, 1000),
        members,
        c.string("configFile"),
        c.integer("joinWaitSeconds", 0, 60),
        c.integer("requestTimeoutMillis", 100, 60_000));
  }

  /**
   * This block with its host settled: the configured one, else {@code eventBusHost} (the
   * launcher's {@code -cluster-host}, may be null), else loopback, so that a node never joins
   * anything beyond its own host unless told to.
   */
  public ClusterConfig withHost(String eventBusHost) {
    String h = !host.isEmpty() ? host : eventBusHost != null && !eventBusHost.isEmpty() ? eventBusHost : "127.0.0.1";
    return new ClusterConfig(name, h, port, portCount, members, configFile, joinWaitSeconds, requestTimeoutMillis);
  }
}
