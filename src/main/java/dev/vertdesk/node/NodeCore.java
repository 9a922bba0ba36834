package dev.vertdesk.node;

import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.store.PeerStore;

/**
 * What every surface of a node shares, whatever it serves: the configuration, the server key,
 * the peer store and registry, the brokered relay uuids, the cluster view, the event publisher,
 * the drain state and the bound ports. Built once by the composition root ({@code app}).
 */
public record NodeCore(NodeConfig config, ServerKeys keys, PeerStore store, PeerRegistry registry,
                       RelayBrokerage brokerage, ClusterView cluster, EventPublisher events, Drain drain,
                       BoundPorts ports) {

  /** This node's ID (the event-bus node ID when clustered). */
  public String nodeId() {
    return cluster.self();
  }
}
