package dev.vertdesk.app;

import dev.vertdesk.admin.AdminVerticle;
import dev.vertdesk.admin.NodeAdmin;
import dev.vertdesk.cluster.Clustering;
import dev.vertdesk.config.ClusterConfig;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigLoader;
import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.config.VerticleBlock;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.LocalRelayBrokerage;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.rendezvous.AnswerRouter;
import dev.vertdesk.rendezvous.AnswerRoutes;
import dev.vertdesk.relay.RelayVerticle;
import dev.vertdesk.relay.WsRelayVerticle;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.rendezvous.DeviceLinks;
import dev.vertdesk.rendezvous.DeviceMessenger;
import dev.vertdesk.rendezvous.RelayServerList;
import dev.vertdesk.rendezvous.tcp.NatOnlineVerticle;
import dev.vertdesk.rendezvous.tcp.SignalingVerticle;
import dev.vertdesk.rendezvous.udp.UdpRegistrationVerticle;
import dev.vertdesk.rendezvous.ws.WsSignalingVerticle;
import dev.vertdesk.server.ClusterView;
import dev.vertdesk.server.NodeRequests;
import dev.vertdesk.server.ServerContext;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.PeerStores;
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
    KINDS.put("wsrelay", new Kind(WsRelayVerticle::new, p -> p + 3));
    KINDS.put("admin", new Kind(AdminVerticle::new, p -> p + 4));
  }

  private final Map<String, String> environ;
  private ServerContext ctx;
  private RelayServerList relays;
  private PeerStore store;
  private Clustering clustering;
  private io.vertx.core.eventbus.MessageConsumer<?> deviceSends;
  private long presenceTimer = -1;
  private NodeAdmin nodeAdmin;
  private NodeOperations operations = NodeOperations.none();

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
      JsonObject tree = ConfigLoader.load(conf, environ);
      dev.vertdesk.logging.LogFormat.apply(String.valueOf(tree.getValue("logFormat", "")));
      ServerConfig cfg = ServerConfig.from(tree);
      try {
        Files.createDirectories(cfg.dataDir());
      } catch (IOException e) {
        throw new ConfigException("dataDir", "cannot create " + cfg.dataDir() + ": " + e.getMessage());
      }
      ServerKeys keys = ServerKeys.load(cfg.dataDir(), cfg.key());
      return new Object[] {cfg, keys, ClusterConfig.from(ConfigLoader.load(conf, environ))};
    }).compose(loaded -> {
      ServerConfig cfg = (ServerConfig) loaded[0];
      ServerKeys keys = (ServerKeys) loaded[1];
      clusterConfig = (ClusterConfig) loaded[2];
      announceKey(keys);
      store = PeerStores.open(vertx, cfg);
      return store.init().compose(v -> build(cfg, keys));
    }).compose(c -> NodeOperations.start(vertx, conf, environ, c, KINDS.keySet())
        .map(ops -> {
          operations = ops;
          return c;
        })).compose(this::deployChildren);
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

  private ClusterConfig clusterConfig;

  private Future<ServerContext> build(ServerConfig cfg, ServerKeys keys) {
    AnswerRouter localAnswers = new AnswerRouter();
    LocalPeerRegistry local;
    ClusterView cluster;
    PeerRegistry registry;
    RelayBrokerage brokerage;
    AnswerRoutes answers;
    NodeRequests nodes = null;
    if (vertx.isClustered()) {
      clustering = Clustering.of(vertx, clusterConfig.requestTimeoutMillis());
      cluster = clustering;
      local = new LocalPeerRegistry(store, cfg.limits(), System::currentTimeMillis,
          clustering.registrationGate(cfg.limits()));
      nodes = new NodeRequests(vertx.eventBus(), cluster, clusterConfig.requestTimeoutMillis());
      registry = clustering.peerRegistry(local, nodes);
      brokerage = clustering.relayBrokerage();
      answers = clustering.answerRoutes(localAnswers, nodes);
      if (!dev.vertdesk.store.PgPeerStore.isPostgresUrl(cfg.dbUrl())) {
        LOG.warn("clustered with a node-local SQLite peer store: use a PostgreSQL DB_URL so that every "
            + "node sees every device's key and uuid");
      }
    } else {
      cluster = ClusterView.single(UUID.randomUUID().toString());
      local = new LocalPeerRegistry(store, cfg.limits(), System::currentTimeMillis);
      registry = local;
      brokerage = new LocalRelayBrokerage(System::currentTimeMillis);
      answers = localAnswers;
    }
    String nodeId = cluster.self();
    try {
      vertx.eventBus().registerDefaultCodec(DatagramSend.class, new DatagramSend.LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another node in this JVM (tests) registered it first
    }
    EventPublisher events = new EventPublisher(vertx.eventBus(), nodeId);
    relays = new RelayServerList(cfg.relayServers());
    relays.startHealthChecks(vertx);
    DeviceLinks links = new DeviceLinks();
    DeviceMessenger messenger = new DeviceMessenger(vertx.eventBus(), links, nodes, nodeId);
    ctx = new ServerContext(cfg, keys, store, registry, brokerage, links, messenger, relays, events,
        answers, cluster);
    presenceTimer = vertx.setPeriodic(PRESENCE_SWEEP_MILLIS, t ->
        // a walk over every peer: off the event loop so UDP replies never wait behind it
        vertx.executeBlocking(() -> {
          registry.sweepExpired(events::peerOffline);
          return null;
        }, false));
    nodeAdmin = NodeAdmin.start(vertx, ctx); // metrics, event log, cluster-wide admin commands
    if (clustering == null) {
      return Future.succeededFuture(ctx);
    }
    deviceSends = messenger.listen();
    // other nodes may route to this one as soon as it registers devices: be reachable first
    return Future.all(clustering.ready(), deviceSends.completion()).map(ctx);
  }

  private Future<?> deployChildren(ServerContext ctx) {
    ServerConfig cfg = ctx.config();
    for (String name : cfg.verticles().fieldNames()) {
      if (!KINDS.containsKey(name) && !operations.hasPlugin(name)) {
        return Future.failedFuture(new ConfigException("verticles." + name,
            "unknown verticle; known: " + String.join(", ", KINDS.keySet())
                + "; plugins: " + (operations.pluginNames().isEmpty() ? "none"
                : String.join(", ", operations.pluginNames()))));
      }
    }
    List<Future<String>> deployments = new ArrayList<>();
    KINDS.forEach((name, kind) -> {
      VerticleBlock block = VerticleBlock.from(name, cfg.verticles());
      if (!block.enabled()) {
        return;
      }
      JsonObject childConf = childConfig(name, cfg);
      deployments.add(vertx.deployVerticle(() -> kind.factory().apply(ctx),
          new DeploymentOptions().setInstances(block.instances()).setConfig(childConf)));
    });
    operations.deployPlugins(vertx, ctx, cfg.verticles(), deployments);
    return Future.all(deployments).onSuccess(v ->
        LOG.info("Vertdesk node {} started (data {}, {} transport): {}", ctx.nodeId(),
            cfg.dataDir().toAbsolutePath(), vertx.isNativeTransportEnabled() ? "native" : "NIO",
            ctx.boundPorts()));
  }

  /**
   * A built-in verticle's {@code config()}: its block, with the port derived from {@code PORT} as
   * rustdesk-server does (§1.2) and the host from {@code BIND} where the block sets neither.
   */
  static JsonObject childConfig(String name, ServerConfig cfg) {
    JsonObject childConf = VerticleBlock.from(name, cfg.verticles()).config();
    if (name.equals("wsrelay") && !childConf.containsKey("port")) {
      // hbbr: the WebSocket relay follows an explicitly set relay port (+2)
      WsRelayVerticle.portFollowingRelay(cfg.verticles()).ifPresent(p -> childConf.put("port", p));
    }
    if (!childConf.containsKey("port")) {
      childConf.put("port", KINDS.get(name).port().applyAsInt(cfg.basePort()));
    }
    if (!childConf.containsKey("host")) {
      childConf.put("host", cfg.bind());
    }
    return childConf;
  }

  @Override
  public Future<?> stop() {
    if (presenceTimer >= 0) {
      vertx.cancelTimer(presenceTimer);
    }
    // children are undeployed by Vert.x before this runs
    if (nodeAdmin != null) {
      nodeAdmin.close();
    }
    operations.close();
    Future<Void> relaysStopped = relays == null ? Future.succeededFuture() : relays.stop();
    if (deviceSends != null) {
      deviceSends.unregister();
    }
    if (clustering != null) {
      clustering.close();
    }
    Future<Void> storeClosed = store == null ? Future.succeededFuture() : store.close();
    return Future.all(relaysStopped, storeClosed);
  }

}
