package dev.vertdesk.rendezvous;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.registry.PeerView;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;

/**
 * Sends server-to-device messages (PunchHole, FetchLocalAddr, RequestRelay, ConfigUpdate). A
 * device registered over a connection gets them on that connection; otherwise they must leave
 * from the UDP registration socket, whose port the device's NAT opened (PROTOCOL.md §12 item 7),
 * so they go to the UDP verticle over the event bus.
 */
public final class DeviceMessenger {

  static final long SEND_TIMEOUT_MILLIS = 3_000;
  private final EventBus bus;
  private final DeviceLinks links;
  private final DeliveryOptions options = new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MILLIS);

  public DeviceMessenger(EventBus bus, DeviceLinks links) {
    this.bus = bus;
    this.links = links;
  }

  /** Completes once written; fails when the device has neither a connection nor a UDP endpoint. */
  public Future<Void> send(PeerView device, RendezvousMessage message) {
    SignalingConnection link = links.get(device.id());
    if (link != null) {
      link.send(message);
      return Future.succeededFuture();
    }
    if (device.endpoint() == null) {
      return Future.failedFuture("device " + device.id() + " has no known endpoint");
    }
    return bus.request(Addresses.UDP_SEND, new DatagramSend(device.endpoint(), message.toByteArray()), options)
        .mapEmpty();
  }
}
