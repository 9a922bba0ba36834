package dev.vertdesk.app;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.LocalRelayBrokerage;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.relay.RelayVerticle;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.rendezvous.DeviceLinks;
import dev.vertdesk.rendezvous.DeviceMessenger;
import dev.vertdesk.rendezvous.RelayServerList;
import dev.vertdesk.rendezvous.tcp.NatOnlineVerticle;
import dev.vertdesk.rendezvous.tcp.SignalingVerticle;
import dev.vertdesk.rendezvous.udp.UdpRegistrationVerticle;
import dev.vertdesk.rendezvous.ws.WsSignalingVerticle;
import dev.vertdesk.server.ServerContext;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.SqlitePeerStore;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys what the node's configuration enables. It builds the shared collaborators once
 * (keys, peer store, registry), then one deployment per enabled entry of {@code verticles},
 * each with its own instances and config block. Never deploy this verticle with
 * {@code -instances}: every child would be deployed that many times.
 */
public final class MainVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  /** How often devices whose registration expired are announced offline. */
  static final long PRESENCE_SWEEP_MILLIS = 5_000;

  /** A built-in verticle: how to build it and which port it derives from the base port. */
  private record Kind(Function<ServerContext, Deployable> factory, IntUnaryOperator port) {
  }

  private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

  static {
    KINDS.put("udp", new Kind(UdpRegistrationVerticle::new, p -> p));
    KINDS.put("signaling", new Kind(SignalingVerticle::new, p -> p));
    KINDS.put("nat", new Kind(NatOnlineVerticle::new, p -> p - 1));
    KINDS.put("relay", new Kind(RelayVerticle::new, p -> p + 1));
    KINDS.put("ws", new Kind(WsSignalingVerticle::new, p -> p + 2));
  }

  private final Map<String, String> environ;
  private ServerContext ctx;
  private RelayServerList relays;
  private PeerStore store;
  private long presenceTimer = -1;

  public MainVerticle() {
    this(System.getenv());
  }

  /** @param environ the environment to read options from (tests pass their own) */
  public MainVerticle(Map<String, String> environ) {
    this.environ = Map.copyOf(environ);
  }

  /** The node's shared collaborators, once started. */
  public ServerContext serverContext() {
    return ctx;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    return vertx.executeBlocking(() -> {
      ServerConfig cfg = ServerConfig.from(ConfigLoader.load(conf, environ));
      try {
        Files.createDirectories(cfg.dataDir());
      } catch (IOException e) {
        throw new ConfigException("dataDir", "cannot create " + cfg.dataDir() + ": " + e.getMessage());
      }
      ServerKeys keys = ServerKeys.load(cfg.dataDir(), cfg.key());
      return new Object[] {cfg, keys};
    }).compose(loaded -> {
      ServerConfig cfg = (ServerConfig) loaded[0];
      ServerKeys keys = (ServerKeys) loaded[1];
      announceKey(keys);
      store = SqlitePeerStore.create(vertx, SqlitePeerStore.sqlitePathFromUrl(cfg.dbUrl(), cfg.dataDir()));
      return store.init().map(v -> build(cfg, keys));
    }).compose(this::deployChildren);
  }

  private void announceKey(ServerKeys keys) {
    if (keys.publicKeyBase64() != null) {
      // Admins copy this into every client's "Key" field.
      LOG.info("Key: {}", keys.publicKeyBase64());
    }
    if (keys.validationKey().isEmpty()) {
      LOG.warn("key checking is off (KEY is empty): any client may use this server");
    }
    if (!keys.canSign()) {
      LOG.warn("no signing key: clients cannot verify peers' keys and fall back to unencrypted sessions");
    }
  }

  private ServerContext build(ServerConfig cfg, ServerKeys keys) {
    String nodeId = UUID.randomUUID().toString();
    PeerRegistry registry = new LocalPeerRegistry(store, cfg.limits(), System::currentTimeMillis);
    try {
      vertx.eventBus().registerDefaultCodec(DatagramSend.class, new DatagramSend.LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another node in this JVM (tests) registered it first
    }
    EventPublisher events = new EventPublisher(vertx.eventBus(), nodeId);
    relays = new RelayServerList(cfg.relayServers());
    relays.startHealthChecks(vertx);
    DeviceLinks links = new DeviceLinks();
    ctx = new ServerContext(cfg, keys, store, registry, new LocalRelayBrokerage(System::currentTimeMillis),
        links, new DeviceMessenger(vertx.eventBus(), links), relays, events, nodeId);
    presenceTimer = vertx.setPeriodic(PRESENCE_SWEEP_MILLIS, t ->
        // a walk over every peer: off the event loop so UDP replies never wait behind it
        vertx.executeBlocking(() -> {
          registry.sweepExpired(events::peerOffline);
          return null;
        }, false));
    return ctx;
  }

  private Future<?> deployChildren(ServerContext ctx) {
    ServerConfig cfg = ctx.config();
    for (String name : cfg.verticles().fieldNames()) {
      if (!KINDS.containsKey(name)) {
        return Future.failedFuture(new ConfigException("verticles." + name,
            "unknown verticle; known: " + String.join(", ", KINDS.keySet())));
      }
    }
    List<Future<String>> deployments = new ArrayList<>();
    KINDS.forEach((name, kind) -> {
      VerticleBlock block = VerticleBlock.from(name, cfg.verticles());
      if (!block.enabled()) {
        return;
      }
      JsonObject childConf = block.config();
      if (!childConf.containsKey("port")) {
        childConf.put("port", kind.port().applyAsInt(cfg.basePort()));
      }
      if (!childConf.containsKey("host")) {
        childConf.put("host", cfg.bind());
      }
      deployments.add(vertx.deployVerticle(() -> kind.factory().apply(ctx),
          new DeploymentOptions().setInstances(block.instances()).setConfig(childConf)));
    });
    return Future.all(deployments).onSuccess(v ->
        LOG.info("Vertdesk node {} started (data {}, {} transport): {}", ctx.nodeId(),
            cfg.dataDir().toAbsolutePath(), vertx.isNativeTransportEnabled() ? "native" : "NIO",
            ctx.boundPorts()));
  }

  @Override
  public Future<?> stop() {
    if (presenceTimer >= 0) {
      vertx.cancelTimer(presenceTimer);
    }
    // children are undeployed by Vert.x before this runs
    Future<Void> relaysStopped = relays == null ? Future.succeededFuture() : relays.stop();
    Future<Void> storeClosed = store == null ? Future.succeededFuture() : store.close();
    return Future.all(relaysStopped, storeClosed);
  }

}
