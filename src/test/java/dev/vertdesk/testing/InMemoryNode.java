package dev.vertdesk.testing;

import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventTypes;
import dev.vertdesk.node.BoundPorts;
import dev.vertdesk.node.ClusterView;
import dev.vertdesk.node.Drain;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.registry.DisabledDevices;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.LocalRelayBrokerage;
import dev.vertdesk.rendezvous.AnswerRouter;
import dev.vertdesk.rendezvous.ConfigUpdates;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.rendezvous.DeviceLinks;
import dev.vertdesk.rendezvous.DeviceMessenger;
import dev.vertdesk.rendezvous.RegistrationService;
import dev.vertdesk.rendezvous.RelayServerList;
import dev.vertdesk.rendezvous.RendezvousContext;
import dev.vertdesk.rendezvous.SignalingService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rendezvous logic of one node without a socket: the registry over a {@link MemoryPeerStore},
 * the registration and signaling services, datagrams to devices captured instead of sent, and
 * every domain event recorded. Unit tests drive it through {@link FakeConnection}s in
 * milliseconds.
 */
public final class InMemoryNode implements AutoCloseable {

  public final Vertx vertx = Vertx.vertx();
  public final MemoryPeerStore store = new MemoryPeerStore();
  public final NodeCore core;
  public final RendezvousContext rendezvous;
  public final RegistrationService registration;
  public final SignalingService signaling;
  /** Datagrams the node would send from its UDP socket. */
  public final BlockingQueue<DatagramSend> datagrams = new LinkedBlockingQueue<>();
  /** Domain events, in the order published. */
  public final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();

  /** @param overrides configuration merged over the defaults (the data directory is set) */
  public InMemoryNode(Path dataDir, JsonObject overrides) {
    NodeConfig config = NodeConfig.load(overrides.copy().put("dataDir", dataDir.toString()), Map.of());
    ServerKeys keys = ServerKeys.load(dataDir, config.server().key());
    ClusterView cluster = ClusterView.single("node-test");
    core = new NodeCore(config, keys, store,
        new LocalPeerRegistry(store, config.server().limits(), System::currentTimeMillis),
        new LocalRelayBrokerage(System::currentTimeMillis), cluster,
        new EventPublisher(vertx.eventBus(), cluster.self()), new Drain(0, 0), new BoundPorts());
    DeviceLinks links = new DeviceLinks();
    rendezvous = new RendezvousContext(links, new DeviceMessenger(vertx.eventBus(), links, null, cluster.self()),
        new AnswerRouter(), new RelayServerList(config.server().relayServers()),
        new ConfigUpdates(config.server().serial(), config.server().rendezvousServers()),
        new AtomicBoolean(config.server().alwaysUseRelay()), new DisabledDevices());
    registration = new RegistrationService(core, rendezvous);
    signaling = new SignalingService(vertx, core, rendezvous, registration, java.util.Optional.empty());
    vertx.eventBus().registerDefaultCodec(DatagramSend.class, new DatagramSend.LocalCodec());
    vertx.eventBus().<DatagramSend>localConsumer(Addresses.UDP_SEND, m -> {
      datagrams.add(m.body());
      m.reply(null);
    });
    for (String address : EventTypes.addresses()) {
      vertx.eventBus().<JsonObject>localConsumer(address, m -> events.add(m.body()));
    }
  }

  /** The next event of {@code type}, skipping others; fails after a second. */
  public JsonObject event(String type) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < end) {
      JsonObject e = events.poll(10, TimeUnit.MILLISECONDS);
      if (e != null && type.equals(e.getString("type"))) {
        return e;
      }
    }
    throw new AssertionError("no " + type + " event");
  }

  /** The next datagram to a device; fails after a second. */
  public DatagramSend datagram() throws InterruptedException {
    DatagramSend d = datagrams.poll(1, TimeUnit.SECONDS);
    if (d == null) {
      throw new AssertionError("no datagram sent");
    }
    return d;
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }
}
