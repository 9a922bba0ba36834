package dev.vertdesk.server;

import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.rendezvous.AnswerRoutes;
import dev.vertdesk.rendezvous.DeviceLinks;
import dev.vertdesk.rendezvous.DeviceMessenger;
import dev.vertdesk.rendezvous.RelayServerList;
import dev.vertdesk.store.PeerStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The collaborators every verticle of a node shares, built once by the main verticle and
 * handed to each verticle's constructor.
 */
public final class ServerContext {

  /** The ConfigUpdate a device should adopt (serial and rendezvous servers, §5.4.10). */
  public record ConfigUpdateState(int serial, List<String> rendezvousServers) {
  }

  private final ServerConfig config;
  private final ServerKeys keys;
  private final PeerStore store;
  private final PeerRegistry registry;
  private final RelayBrokerage brokerage;
  private final AnswerRoutes router;
  private final ClusterView cluster;
  private final DeviceLinks links;
  private final DeviceMessenger devices;
  private final RelayServerList relays;
  private final EventPublisher events;
  private final String nodeId;
  private final AtomicReference<ConfigUpdateState> configUpdate;
  private final Map<String, Integer> boundPorts = new ConcurrentHashMap<>();
  private final Drain drain = new Drain();
  private final AtomicBoolean alwaysUseRelay;

  public ServerContext(ServerConfig config, ServerKeys keys, PeerStore store, PeerRegistry registry,
                       RelayBrokerage brokerage, DeviceLinks links, DeviceMessenger devices,
                       RelayServerList relays, EventPublisher events, AnswerRoutes router,
                       ClusterView cluster) {
    this.config = config;
    this.keys = keys;
    this.store = store;
    this.registry = registry;
    this.brokerage = brokerage;
    this.router = router;
    this.cluster = cluster;
    this.links = links;
    this.devices = devices;
    this.relays = relays;
    this.events = events;
    this.nodeId = cluster.self();
    this.configUpdate = new AtomicReference<>(
        new ConfigUpdateState(config.serial(), config.rendezvousServers()));
    this.alwaysUseRelay = new AtomicBoolean(config.alwaysUseRelay());
  }

  public ServerConfig config() {
    return config;
  }

  public ServerKeys keys() {
    return keys;
  }

  public PeerStore store() {
    return store;
  }

  public PeerRegistry registry() {
    return registry;
  }

  public RelayBrokerage brokerage() {
    return brokerage;
  }

  public AnswerRoutes router() {
    return router;
  }

  /** The cluster's members; a single node when not clustered. */
  public ClusterView cluster() {
    return cluster;
  }

  /** Devices registered over a connection held by this node. */
  public DeviceLinks links() {
    return links;
  }

  public DeviceMessenger devices() {
    return devices;
  }

  public RelayServerList relays() {
    return relays;
  }

  public EventPublisher events() {
    return events;
  }

  public String nodeId() {
    return nodeId;
  }

  public AtomicReference<ConfigUpdateState> configUpdate() {
    return configUpdate;
  }

  /** Whether this node is draining (stops taking new work, reports not-ready). */
  public Drain drain() {
    return drain;
  }

  /** Actual ports bound by this node's listeners, by listener name (tests bind port 0). */
  public Map<String, Integer> boundPorts() {
    return boundPorts;
  }

  /** ALWAYS_USE_RELAY as it is now: starts from the config, changed by the admin API. */
  public AtomicBoolean alwaysUseRelay() {
    return alwaysUseRelay;
  }
}
