package dev.vertdesk.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigException;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the Hazelcast cluster manager from the node's {@code cluster} block: TCP-IP join on the
 * configured interface, no multicast, no auto-detection, no phone-home. A {@code configFile}
 * (Hazelcast XML or YAML) replaces the network settings but keeps the safety properties.
 */
public final class ClusterSupport {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterSupport.class);

  private ClusterSupport() {
  }

  /** A cluster manager for {@code cluster}, whose host is settled ({@link ClusterConfig#withHost}). */
  public static ClusterManager clusterManager(ClusterConfig cluster) {
    return new HazelcastClusterManager(hazelcastConfig(cluster));
  }

  /**
   * A cluster manager configured later with {@link #configure}: the launcher builds Vert.x before
   * it has read {@code -cluster-host}, and Hazelcast starts only when Vert.x joins.
   */
  public static ClusterManager unconfigured() {
    return new HazelcastClusterManager();
  }

  public static void configure(ClusterManager manager, ClusterConfig cluster) {
    ((HazelcastClusterManager) manager).setConfig(hazelcastConfig(cluster));
  }

  static Config hazelcastConfig(ClusterConfig cluster) {
    cluster = cluster.withHost(null); // keeps a set host; loopback where none is known
    Config cfg;
    if (!cluster.configFile().isEmpty()) {
      Path file = Path.of(cluster.configFile());
      if (!Files.isReadable(file)) {
        throw new ConfigException("cluster.configFile", "cannot read " + file.toAbsolutePath());
      }
      try {
        cfg = Config.loadFromFile(file.toFile());
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("cluster.configFile", file + ": " + e.getMessage());
      }
      // the maps Vert.x needs for its event-bus subscriptions, as its default file declares them
      ConfigUtil.loadConfig().getMultiMapConfigs().forEach((k, v) -> cfg.getMultiMapConfigs().putIfAbsent(k, v));
      ConfigUtil.loadConfig().getMapConfigs().forEach((k, v) -> cfg.getMapConfigs().putIfAbsent(k, v));
      // discovery stays explicit: no multicast, no cloud or Kubernetes auto-detection
      JoinConfig join = cfg.getNetworkConfig().getJoin();
      if (join.getMulticastConfig().isEnabled()) {
        throw new ConfigException("cluster.configFile", file + ": multicast join is not supported; "
            + "list the members under <tcp-ip>");
      }
      if (join.getAutoDetectionConfig().isEnabled()) {
        LOG.info("{}: auto-detection join switched off; members come from <tcp-ip>", file);
        join.getAutoDetectionConfig().setEnabled(false);
      }
    } else {
      cfg = ConfigUtil.loadConfig();
      cfg.setClusterName(cluster.name());
      NetworkConfig net = cfg.getNetworkConfig();
      net.setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(cluster.portCount());
      net.getInterfaces().setEnabled(true).addInterface(cluster.host());
      JoinConfig join = net.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).addMember(cluster.host());
      cluster.members().forEach(m -> join.getTcpIpConfig().addMember(m));
      cfg.setProperty("hazelcast.local.localAddress", cluster.host());
      cfg.setProperty("hazelcast.socket.bind.any", "false");
      cfg.setProperty("hazelcast.tcp.join.port.try.count", String.valueOf(cluster.portCount()));
      cfg.setProperty("hazelcast.wait.seconds.before.join", String.valueOf(cluster.joinWaitSeconds()));
    }
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    // a member that stops answering is dropped after 10 s instead of Hazelcast's 60 s
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    return cfg;
  }
}
