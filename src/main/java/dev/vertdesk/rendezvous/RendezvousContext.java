package dev.vertdesk.rendezvous;

import dev.vertdesk.registry.DeployedDevices;
import dev.vertdesk.registry.DisabledDevices;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the rendezvous surfaces of one node (UDP registration, TCP and WebSocket signaling, the
 * NAT/online port) share beyond the node core: the devices linked over a connection, the
 * messenger that reaches any device, the routes of the devices' answers, the relay servers handed
 * out, the ConfigUpdate state, ALWAYS_USE_RELAY as it is now and the devices an admin disabled.
 * Built by the composition root.
 *
 * @param alwaysUseRelay ALWAYS_USE_RELAY: starts from the configuration, changed by the admin API
 * @param disabled       devices refused at registration and punch (docs/protocol.md §14)
 * @param deployed       with {@code devices.requireDeployment}, the devices that may register
 *                       (docs/protocol.md §14)
 */
public record RendezvousContext(DeviceLinks links, DeviceMessenger messenger, AnswerRoutes answers,
                                RelayServerList relays, ConfigUpdates configUpdates,
                                AtomicBoolean alwaysUseRelay, DisabledDevices disabled, DeployedDevices deployed) {

  /** A context that admits every device that is not disabled (deployment not required). */
  public RendezvousContext(DeviceLinks links, DeviceMessenger messenger, AnswerRoutes answers, RelayServerList relays,
                           ConfigUpdates configUpdates, AtomicBoolean alwaysUseRelay, DisabledDevices disabled) {
    this(links, messenger, answers, relays, configUpdates, alwaysUseRelay, disabled, new DeployedDevices(false));
  }
}
