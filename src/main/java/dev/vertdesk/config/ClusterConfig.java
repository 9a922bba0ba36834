package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
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

  public static ClusterConfig from(JsonObject tree) {
    JsonObject c = Json.object(tree, "", "cluster");
    String p = "cluster.";
    String name = Json.string(c, p, "name", "vertdesk");
    if (name.isBlank()) {
      throw new ConfigException(p + "name", "must not be empty");
    }
    String host = Json.string(c, p, "host", "");
    if (!host.isEmpty() && !ServerConfig.isIpLiteral(host)) {
      throw new ConfigException(p + "host", "expected an IP address, got " + host);
    }
    List<String> members = List.copyOf(Json.list(c, p, "members"));
    for (String m : members) {
      if (!m.matches("[0-9A-Za-z.:\\[\\]-]+")) {
        throw new ConfigException(p + "members", "expected host or host:port entries, got " + m);
      }
    }
    return new ClusterConfig(name, host,
        Json.integer(c, p, "port", 5701, 1, 65535),
        Json.integer(c, p, "portCount", 20, 1, 1000),
        members,
        Json.string(c, p, "configFile", ""),
        Json.integer(c, p, "joinWaitSeconds", 1, 0, 60),
        Json.integer(c, p, "requestTimeoutMillis", 3000, 100, 60_000));
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
