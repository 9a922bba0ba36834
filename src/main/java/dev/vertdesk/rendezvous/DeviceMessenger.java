package dev.vertdesk.rendezvous;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.node.NodeRequests;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Sends server-to-device messages (PunchHole, FetchLocalAddr, RequestRelay, ConfigUpdate). A
 * device registered over a connection gets them on that connection; otherwise they must leave
 * from the UDP registration socket, whose port the device's NAT opened (docs/protocol.md §12 item 7),
 * so they go to the UDP verticle over the event bus. A device held by another cluster node is
 * reached through that node, which sends from its own connection or socket.
 */
public final class DeviceMessenger {

  static final long SEND_TIMEOUT_MILLIS = 3_000;
  private final EventBus bus;
  private final DeviceLinks links;
  private final NodeRequests nodes;
  private final String self;
  private final DeliveryOptions options = new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MILLIS);

  /**
   * @param nodes requests to other nodes ({@code null} on a single node)
   * @param self  this node's ID
   */
  public DeviceMessenger(EventBus bus, DeviceLinks links, NodeRequests nodes, String self) {
    this.bus = bus;
    this.links = links;
    this.nodes = nodes;
    this.self = self;
  }

  /** Completes once written; fails when the device has neither a connection nor a UDP endpoint. */
  public Future<Void> send(PeerView device, RendezvousMessage message) {
    if (device.node() != null && !device.node().equals(self) && nodes != null) {
      JsonObject body = new JsonObject().put("id", device.id()).put("message", message.toByteArray());
      if (device.endpoint() != null) {
        body.put("ip", device.endpoint().getAddress().getHostAddress()).put("port", device.endpoint().getPort());
      }
      return nodes.request(device.node(), Addresses.nodeDeviceSend(device.node()), body).mapEmpty();
    }
    return sendHere(device.id(), device.endpoint(), message);
  }

  private Future<Void> sendHere(String id, InetSocketAddress endpoint, RendezvousMessage message) {
    SignalingConnection link = links.get(id);
    if (link != null) {
      link.send(message);
      return Future.succeededFuture();
    }
    if (endpoint == null) {
      return Future.failedFuture("device " + id + " has no known endpoint");
    }
    return bus.request(Addresses.UDP_SEND, new DatagramSend(endpoint, message.toByteArray()), options).mapEmpty();
  }

  /** Serves other nodes' sends to devices this node holds; unregister on stop. */
  public MessageConsumer<JsonObject> listen() {
    return bus.consumer(Addresses.nodeDeviceSend(self), msg -> {
      JsonObject body = msg.body();
      InetSocketAddress endpoint = null;
      RendezvousMessage message;
      String ip = body.getString("ip");
      try {
        if (ip != null) {
          // an IP literal written by another node: no DNS
          endpoint = new InetSocketAddress(InetAddress.getByName(ip), body.getInteger("port", 0));
        }
        message = RendezvousMessage.parseFrom(body.getBinary("message", new byte[0]));
      } catch (UnknownHostException | IllegalArgumentException | ClassCastException
               | com.google.protobuf.InvalidProtocolBufferException e) {
        msg.fail(400, "bad device-send request: " + e.getMessage());
        return;
      }
      sendHere(body.getString("id", ""), endpoint, message).onComplete(ar -> {
        if (ar.succeeded()) {
          msg.reply(null);
        } else {
          msg.fail(503, ar.cause().getMessage());
        }
      });
    });
  }
}
