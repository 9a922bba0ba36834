package dev.vertdesk.plugin;

import dev.vertdesk.registry.PeerDirectory;
import dev.vertdesk.store.PeerRecords;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.util.Optional;

/**
 * What a plugin sees of the node it runs on: Vert.x and its event bus (domain events are
 * published on the addresses of {@link dev.vertdesk.events.Addresses}), read views of the
 * registry and of the durable peer records, and the meter registry {@code /metrics} serves.
 * Nothing here lets a plugin change a device's registration.
 *
 * @param vertx   the node's Vert.x instance
 * @param nodeId  this node's ID, as events carry it in {@code node}
 * @param devices who is registered and online
 * @param records the durable peer records (the {@code peer} table)
 * @param meters  where to register meters; empty when metrics are off
 */
public record PluginContext(Vertx vertx, String nodeId, PeerDirectory devices, PeerRecords records,
                            Optional<MeterRegistry> meters) {

  public EventBus eventBus() {
    return vertx.eventBus();
  }
}
