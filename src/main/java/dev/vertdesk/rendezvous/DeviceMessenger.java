package dev.vertdesk.rendezvous;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RendezvousMessage;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.net.InetSocketAddress;

/**
 * Sends server-to-device messages (PunchHole, FetchLocalAddr, RequestRelay, ConfigUpdate).
 * They must leave from the registration socket, whose port the device's NAT opened (PROTOCOL.md
 * §12 item 7), so they go to the UDP verticle over the event bus.
 */
public final class DeviceMessenger {

  static final long SEND_TIMEOUT_MILLIS = 3_000;
  private final EventBus bus;
  private final DeliveryOptions options = new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MILLIS);

  public DeviceMessenger(EventBus bus) {
    this.bus = bus;
  }

  /** Completes once the datagram was written; fails if no UDP verticle runs or the write failed. */
  public Future<Void> send(InetSocketAddress device, RendezvousMessage message) {
    return bus.request(Addresses.UDP_SEND, new DatagramSend(device, message.toByteArray()), options)
        .mapEmpty();
  }
}
