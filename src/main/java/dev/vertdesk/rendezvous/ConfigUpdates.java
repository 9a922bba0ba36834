package dev.vertdesk.rendezvous;

import dev.vertdesk.proto.ConfigUpdate;
import dev.vertdesk.proto.RendezvousMessage;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ConfigUpdate devices should adopt (deprecated serial and rendezvous-server list,
 * docs/protocol.md §5.4.10): it starts from {@code serial} / {@code rendezvousServers} and an
 * admin on the server host may raise it at run time.
 */
public final class ConfigUpdates {

  /** The serial and the rendezvous servers that go with it. */
  public record State(int serial, List<String> rendezvousServers) {

    ConfigUpdate proto() {
      return ConfigUpdate.newBuilder().setSerial(serial).addAllRendezvousServers(rendezvousServers).build();
    }
  }

  private final AtomicReference<State> current;

  public ConfigUpdates(int serial, List<String> rendezvousServers) {
    this.current = new AtomicReference<>(new State(serial, List.copyOf(rendezvousServers)));
  }

  /** The ConfigUpdate for a device that reports {@code deviceSerial}; empty when it is up to date. */
  public Optional<ConfigUpdate> newerThan(int deviceSerial) {
    State s = current.get();
    return s.serial() > deviceSerial ? Optional.of(s.proto()) : Optional.empty();
  }

  /** {@link #newerThan} in its envelope. */
  public Optional<RendezvousMessage> messageNewerThan(int deviceSerial) {
    return newerThan(deviceSerial).map(cu -> RendezvousMessage.newBuilder().setConfigureUpdate(cu).build());
  }

  /** Adopts {@code serial} and {@code servers} if the serial is higher; true when it was. */
  public boolean offer(int serial, List<String> servers) {
    State before = current.get();
    State after = current.updateAndGet(cur -> serial > cur.serial() ? new State(serial, List.copyOf(servers)) : cur);
    return after != before;
  }
}
