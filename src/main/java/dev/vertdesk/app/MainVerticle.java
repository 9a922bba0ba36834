package dev.vertdesk.app;

import dev.vertdesk.access.AccessAdmin;
import dev.vertdesk.access.AccessControl;
import dev.vertdesk.access.AccessRules;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.AdminBootstrap;
import dev.vertdesk.accounts.ApiTokens;
import dev.vertdesk.accounts.GroupAdmin;
import dev.vertdesk.accounts.IdentityStore;
import dev.vertdesk.accounts.LoginLog;
import dev.vertdesk.accounts.TokenStore;
import dev.vertdesk.accounts.UserAdmin;
import dev.vertdesk.accounts.UserStore;
import dev.vertdesk.addressbook.AddressBookService;
import dev.vertdesk.admin.AdminVerticle;
import dev.vertdesk.api.ApiContext;
import dev.vertdesk.api.ApiVerticle;
import dev.vertdesk.api.OpenApiDocument;
import dev.vertdesk.api.TunnelledRequests;
import dev.vertdesk.audit.AuditService;
import dev.vertdesk.admin.NodeAdmin;
import dev.vertdesk.cluster.Clustering;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.Deployment;
import dev.vertdesk.config.LdapConfig;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.crypto.ServerKeys;
import dev.vertdesk.db.Database;
import dev.vertdesk.devices.DeviceChanges;
import dev.vertdesk.devices.DeviceService;
import dev.vertdesk.events.AssignmentChanges;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.identity.LdapDirectory;
import dev.vertdesk.identity.SingleSignOn;
import dev.vertdesk.mail.AccountNotices;
import dev.vertdesk.mail.Invitations;
import dev.vertdesk.mail.Mailer;
import dev.vertdesk.metrics.Metrics;
import dev.vertdesk.net.ConnectionLimiter;
import dev.vertdesk.net.NetworkSupport;
import dev.vertdesk.node.BoundPorts;
import dev.vertdesk.node.BuildInfo;
import dev.vertdesk.node.ClusterView;
import dev.vertdesk.node.Drain;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.node.NodeRequests;
import dev.vertdesk.plugin.PluginContext;
import dev.vertdesk.plugin.VertdeskPlugin;
import dev.vertdesk.registry.DeployedDevices;
import dev.vertdesk.registry.DisabledDevices;
import dev.vertdesk.registry.LocalPeerRegistry;
import dev.vertdesk.registry.LocalRelayBrokerage;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.RelayBrokerage;
import dev.vertdesk.relay.RelayHub;
import dev.vertdesk.relay.RelayVerticle;
import dev.vertdesk.relay.WsRelayVerticle;
import dev.vertdesk.rendezvous.AccessCheck;
import dev.vertdesk.rendezvous.AnswerRouter;
import dev.vertdesk.rendezvous.AnswerRoutes;
import dev.vertdesk.rendezvous.ConfigUpdates;
import dev.vertdesk.rendezvous.DatagramSend;
import dev.vertdesk.rendezvous.DeviceLinks;
import dev.vertdesk.rendezvous.DeviceMessenger;
import dev.vertdesk.rendezvous.LoginCheck;
import dev.vertdesk.rendezvous.RegistrationService;
import dev.vertdesk.rendezvous.RelayServerList;
import dev.vertdesk.rendezvous.RendezvousContext;
import dev.vertdesk.rendezvous.SignalingService;
import dev.vertdesk.rendezvous.tcp.NatOnlineVerticle;
import dev.vertdesk.rendezvous.tcp.SignalingVerticle;
import dev.vertdesk.rendezvous.udp.UdpRegistrationVerticle;
import dev.vertdesk.rendezvous.ws.WsSignalingVerticle;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.PeerStores;
import dev.vertdesk.strategy.StrategyAdmin;
import dev.vertdesk.strategy.StrategyBook;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a node: from its {@link NodeSetup} it builds the node core (keys,
 * store, registry, cluster view ...), the rendezvous context, the relay hub and the node's
 * administration, then deploys each enabled verticle with its typed options and each enabled
 * plugin. Never deploy this verticle with {@code -instances}: every child would be deployed that
 * many times.
 */
public final class MainVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  /** How often devices whose registration expired are announced offline. */
  static final long PRESENCE_SWEEP_MILLIS = 5_000;

  private final NodeSetup setup;
  private NodeCore core;
  private RendezvousContext rendezvous;
  private Optional<RelayHub> relay = Optional.empty();
  private ApiContext api;
  private AccountService accounts;
  private Mailer mailer;
  private PeerStore store;
  /** Opened when the node runs the API or registers and signals devices (disabled devices). */
  private Database db;
  private DeviceChanges deviceChanges;
  /** Access rules, on every node that opens the database; strategies, on nodes running the API. */
  private AccessRules accessRules;
  private StrategyBook strategies;
  private Clustering clustering;
  private MessageConsumer<?> deviceSends;
  private long presenceTimer = -1;
  private NodeAdmin nodeAdmin;
  private Draining draining;
  private ConnectionLimiter connections;

  public MainVerticle(NodeSetup setup) {
    this.setup = setup;
  }

  /** The node core, once started. */
  public NodeCore core() {
    return core;
  }

  /** The rendezvous context, once started. */
  public RendezvousContext rendezvous() {
    return rendezvous;
  }

  /** The node's relay, once started, when it runs a relay port. */
  public Optional<RelayHub> relay() {
    return relay;
  }

  /** The API's database and services, once started, when the node runs the API. */
  public Optional<ApiContext> api() {
    return Optional.ofNullable(api);
  }

  /** The node's connection limits, once its listeners are deployed. */
  public ConnectionLimiter connections() {
    return connections;
  }

  /** Drains before a shutdown (SIGTERM): blocks until live relay sessions are done or the deadline. */
  void drainForShutdown() throws InterruptedException {
    if (draining != null) {
      draining.awaitShutdown();
    }
  }

  @Override
  public Future<?> start() {
    NodeConfig config = setup.config();
    ServerConfig server = config.server();
    return vertx.executeBlocking(() -> {
      try {
        Files.createDirectories(server.dataDir());
      } catch (IOException e) {
        throw new ConfigException("dataDir", "cannot create " + server.dataDir().toAbsolutePath() + ": " + e.getMessage());
      }
      return ServerKeys.load(server.dataDir(), server.key());
    }).compose(keys -> {
      announceKey(keys, server);
      store = PeerStores.open(vertx, setup.store(), config.store());
      return store.init().compose(v -> build(config, keys));
    }).compose(v -> deployChildren(config));
  }

  private void announceKey(ServerKeys keys, ServerConfig server) {
    if (keys.generated()) {
      LOG.info("generated a new key pair in {} (keep {} secret; clients need the public key)",
          server.dataDir().toAbsolutePath(), ServerKeys.SECRET_FILE);
    }
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

  private Future<Void> build(NodeConfig config, ServerKeys keys) {
    ServerConfig server = config.server();
    AnswerRouter localAnswers = new AnswerRouter();
    ClusterView cluster;
    PeerRegistry registry;
    RelayBrokerage brokerage;
    AnswerRoutes answers;
    NodeRequests nodes = null;
    if (vertx.isClustered()) {
      long timeout = config.cluster().requestTimeoutMillis();
      clustering = Clustering.of(vertx, timeout);
      cluster = clustering;
      LocalPeerRegistry local = new LocalPeerRegistry(store, server.limits(), System::currentTimeMillis,
          clustering.registrationGate(server.limits()));
      nodes = new NodeRequests(vertx.eventBus(), cluster, timeout);
      registry = clustering.peerRegistry(local, nodes);
      brokerage = clustering.relayBrokerage();
      answers = clustering.answerRoutes(localAnswers, nodes);
      if (!(setup.store() instanceof PeerStores.Postgres)) {
        LOG.warn("clustered with a node-local SQLite peer store: use a PostgreSQL DB_URL so that every "
            + "node sees every device's key and uuid");
      }
    } else {
      cluster = ClusterView.single(UUID.randomUUID().toString());
      registry = new LocalPeerRegistry(store, server.limits(), System::currentTimeMillis);
      brokerage = new LocalRelayBrokerage(System::currentTimeMillis);
      answers = localAnswers;
    }
    try {
      vertx.eventBus().registerDefaultCodec(DatagramSend.class, new DatagramSend.LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another node in this JVM (tests) registered it first
    }
    Drain drain = new Drain(TimeUnit.SECONDS.toMillis(config.operations().drainTimeoutSeconds()),
        TimeUnit.SECONDS.toMillis(config.operations().drainGraceSeconds()));
    EventPublisher events = new EventPublisher(vertx.eventBus(), cluster.self());
    core = new NodeCore(config, keys, store, registry, brokerage, cluster, events, drain, new BoundPorts());
    RelayServerList relays = new RelayServerList(server.relayServers());
    relays.startHealthChecks(vertx);
    DeviceLinks links = new DeviceLinks();
    rendezvous = new RendezvousContext(links, new DeviceMessenger(vertx.eventBus(), links, nodes, cluster.self()),
        answers, relays, new ConfigUpdates(server.serial(), server.rendezvousServers()),
        new AtomicBoolean(server.alwaysUseRelay()), new DisabledDevices(),
        new DeployedDevices(config.devices().requireDeployment()));
    presenceTimer = vertx.setPeriodic(PRESENCE_SWEEP_MILLIS, t ->
        // a walk over every peer: off the event loop so UDP replies never wait behind it
        vertx.executeBlocking(() -> {
          registry.sweepExpired(events::peerOffline);
          return null;
        }, false));
    Future<Optional<RelayHub>> relayStarted = config.relay().enabled() || config.wsrelay().enabled()
        ? RelayHub.start(vertx, core, config.relay().options()).map(Optional::of)
        : Future.succeededFuture(Optional.empty());
    return relayStarted.compose(hub -> {
      relay = hub;
      nodeAdmin = NodeAdmin.start(vertx, core, rendezvous, hub); // metrics, event log, cluster-wide admin commands
      return Draining.start(vertx, core, hub.map(RelayHub::sessions));
    }).compose(d -> {
      draining = d;
      return openDatabase(config);
    }).compose(v -> {
      // signaling checks logins (mustLogin) and access rules, the API everything
      return db != null || config.server().mustLogin() ? startAccounts(config, keys) : Future.succeededFuture();
    }).compose(v -> {
      if (clustering == null) {
        return Future.succeededFuture();
      }
      deviceSends = rendezvous.messenger().listen();
      // other nodes may route to this one as soon as it registers devices: be reachable first
      return Future.all(clustering.ready(), deviceSends.completion()).mapEmpty();
    });
  }

  /**
   * The database of accounts and devices, its schema brought up to date, and the services over it:
   * for the API (with the OpenAPI document, read from the classpath off the event loop, and the
   * strategies), and for signaling, which checks tokens itself, with the node's own cache, even on
   * a node that does not serve the API: when logins are required (mustLogin) and for the access
   * rules between groups.
   */
  private Future<Void> startAccounts(NodeConfig config, ServerKeys keys) {
    UserStore users = new UserStore(db);
    TokenStore tokens = new TokenStore(db);
    IdentityStore identities = new IdentityStore(db, users);
    LoginLog loginLog = new LoginLog(db, core.events());
    if (!config.api().enabled()) {
      accounts = new AccountService(vertx, config.accounts(), users, tokens, loginLog,
          keys.canSign() ? keys.sealedSecrets("totp") : null, null, identities);
      return accounts.start();
    }
    LdapConfig ldap = config.identity().ldap();
    // both read files: the OpenAPI fragments from the classpath, the directory's CA file
    return vertx.executeBlocking(() -> new ApiParts(OpenApiDocument.load(MainVerticle.class.getClassLoader()),
            ldap.enabled() ? new LdapDirectory(vertx, ldap, config.server().dataDir()) : null), false)
        .compose(parts -> {
          mailer = new Mailer(vertx, config.mail());
          accounts = new AccountService(vertx, config.accounts(), users, tokens, loginLog,
              keys.canSign() ? keys.sealedSecrets("totp") : null, parts.directory(), identities,
              new AccountNotices(mailer, config.mail(), db));
          SingleSignOn sso = new SingleSignOn(vertx, config.identity(), db, accounts, identities, loginLog);
          sso.discover();
          AddressBookService addressBooks = new AddressBookService(vertx, db, config.addressBooks(),
              System::currentTimeMillis);
          return StrategyBook.start(vertx, db, config.devices().disabledRefreshSeconds()).compose(book -> {
            strategies = book;
            AssignmentChanges assignments = new AssignmentChanges(vertx.eventBus());
            DeviceService devices = new DeviceService(vertx, config.devices(), db, store, core.registry(), deviceChanges,
                book, assignments, addressBooks.shared());
            api = new ApiContext(db, accounts, new UserAdmin(vertx, db, accounts, tokens),
                new GroupAdmin(db, accounts), new ApiTokens(db, accounts), parts.openApi(),
                new TunnelledRequests(vertx, core.ports(), NetworkSupport.bindHost(config.api().options().host())),
                sso, devices, new StrategyAdmin(db, book, assignments),
                new AccessAdmin(db, accessRules, assignments),
                new Invitations(vertx, db, mailer, config.mail(), config.identity().publicUrl()), addressBooks,
                new AuditService(vertx, config.audit(), db, core.events()));
            addressBooks.start();
            return Future.all(devices.start(), accounts.start(), api.audit().start()).mapEmpty();
          });
        })
        .compose(v -> AdminBootstrap.ensureAdmin(vertx, users,
            config.server().dataDir().resolve(config.accounts().adminPasswordFile())));
  }

  /**
   * The database of accounts and devices, its schema brought up to date, when the node runs the
   * API, or registers and signals devices: those refuse the devices an admin disabled, which are
   * read from it at start and then followed as the API nodes announce changes.
   */
  private Future<Void> openDatabase(NodeConfig config) {
    boolean rendezvousSurface = config.udp().enabled() || config.signaling().enabled() || config.ws().enabled();
    if (!config.api().enabled() && !rendezvousSurface) {
      return Future.succeededFuture();
    }
    int refresh = config.devices().disabledRefreshSeconds();
    return Database.open(vertx, setup.store()).compose(opened -> {
      db = opened;
      return DeviceChanges.start(vertx, db, rendezvous.disabled(), rendezvous.deployed(), refresh);
    }).compose(changes -> {
      deviceChanges = changes;
      return AccessRules.start(vertx, db, refresh);
    }).map(rules -> {
      accessRules = rules;
      return null;
    });
  }

  private Future<?> deployChildren(NodeConfig config) {
    RegistrationService registration = new RegistrationService(core, rendezvous);
    Optional<LoginCheck> loginRequired = config.server().mustLogin()
        ? Optional.of(accounts::signedIn) : Optional.empty();
    AccessCheck access = accessRules == null ? AccessCheck.NONE
        : new AccessControl(accounts, accessRules, core.events())::refusal;
    SignalingService signaling = new SignalingService(vertx, core, rendezvous, registration, loginRequired, access);
    // one set of connection limits for every listener of the node (each connection is a descriptor)
    connections = ConnectionLimiter.forNode(config);
    Metrics.registry(vertx).ifPresent(connections::registerMeters);
    List<Future<String>> deployments = new ArrayList<>();
    deploy(deployments, config.udp(), () -> new UdpRegistrationVerticle(core, registration, config.udp().options()));
    deploy(deployments, config.signaling(), () -> new SignalingVerticle(core, signaling, config.signaling().options(),
        connections));
    deploy(deployments, config.nat(), () -> new NatOnlineVerticle(core, signaling, config.nat().options(),
        connections));
    relay.ifPresent(hub -> {
      deploy(deployments, config.relay(), () -> new RelayVerticle(core, hub, config.relay().options(), connections));
      deploy(deployments, config.wsrelay(), () -> new WsRelayVerticle(core, hub, config.relay().options(),
          config.wsrelay().options(), connections));
    });
    deploy(deployments, config.ws(), () -> new WsSignalingVerticle(core, signaling, config.ws().options(),
        connections));
    deploy(deployments, config.api(), () -> new ApiVerticle(core, api, config.api().options(), connections));
    deploy(deployments, config.admin(), () -> new AdminVerticle(core, rendezvous, nodeAdmin, config.admin().options(),
        connections));
    deployPlugins(deployments);
    // join, not all: a failed bind fails the start only once every sibling has settled, so that
    // Vert.x does not undeploy this verticle while children are still starting (it then logs
    // "Promise already completed" for each of them)
    return Future.join(deployments)
        .compose(v -> store.count().map(n -> n + " devices in the database")
            .otherwise(e -> "devices in the database unknown: " + e.getMessage()))
        .onSuccess(devices ->
            // after a migration the count shows that the peers came along
            LOG.info("Vertdesk {} node {} started as {} (data {}, {} transport, {}): {}", BuildInfo.version(),
                core.nodeId(), config.operations().role().word(), config.server().dataDir().toAbsolutePath().normalize(),
                vertx.isNativeTransportEnabled() ? "native" : "NIO", devices, core.ports()));
  }

  private void deploy(List<Future<String>> deployments, Deployment<?> d, Supplier<Deployable> verticle) {
    if (d.enabled()) {
      deployments.add(vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(d.instances())));
    }
  }

  private void deployPlugins(List<Future<String>> deployments) {
    PluginContext context = new PluginContext(vertx, core.nodeId(), core.registry(), core.store(),
        Metrics.registry(vertx));
    for (NodeSetup.PluginDeployment p : setup.pluginDeployments()) {
      if (!p.block().enabled()) {
        continue;
      }
      String name = p.loaded().name();
      deployments.add(vertx.deployVerticle(() -> create(p.loaded().plugin(), context, p.options()),
              new DeploymentOptions().setInstances(p.block().instances()).setClassLoader(p.loaded().loader()))
          .onSuccess(id -> LOG.info("plugin {} deployed ({} instance(s))", name, p.block().instances()))
          .recover(e -> Future.failedFuture(new IllegalStateException(
              "plugin " + name + " (" + p.loaded().jar().getFileName() + ") failed to start: " + e.getMessage(), e))));
    }
  }

  /** The options are the plugin's own, made by its {@code options()} from the same block. */
  @SuppressWarnings("unchecked")
  private static <O> Deployable create(VertdeskPlugin<O> plugin, PluginContext context, Object options) {
    return plugin.create(context, (O) options);
  }

  @Override
  public Future<?> stop() {
    if (presenceTimer >= 0) {
      vertx.cancelTimer(presenceTimer);
    }
    // children are undeployed by Vert.x before this runs. The store goes first: what it is still
    // writing completes. Then events stop, and back on this context, where the node's event
    // consumers run, the events already on their way are delivered before the consumers go.
    Future<Void> storeClosed = store == null ? Future.succeededFuture() : store.close();
    Promise<Void> delivered = Promise.promise();
    storeClosed.onComplete(ar -> {
      if (core != null) {
        core.events().stop();
      }
      context.runOnContext(v -> delivered.complete());
    });
    return delivered.future().compose(d -> {
      if (nodeAdmin != null) {
        nodeAdmin.close();
      }
      if (connections != null) {
        connections.removeMeters();
      }
      if (draining != null) {
        draining.close();
      }
      relay.ifPresent(RelayHub::close);
      setup.plugins().close();
      Future<Void> relaysStopped = rendezvous == null ? Future.succeededFuture() : rendezvous.relays().stop();
      if (deviceSends != null) {
        deviceSends.unregister();
      }
      if (clustering != null) {
        clustering.close();
      }
      if (deviceChanges != null) {
        deviceChanges.close();
      }
      if (accessRules != null) {
        accessRules.close();
      }
      if (strategies != null) {
        strategies.close();
      }
      if (api != null) {
        api.addressBooks().stop();
      }
      // the heartbeats' last write goes in before the database closes
      Future<Void> servicesStopped = Future.join(accounts == null ? Future.succeededFuture() : accounts.stop(),
          api == null ? Future.succeededFuture() : api.devices().stop(),
          mailer == null ? Future.succeededFuture() : mailer.close(),
          api == null ? Future.succeededFuture() : api.audit().stop()).mapEmpty();
      Future<Void> dbClosed = servicesStopped.transform(ar -> db == null ? Future.succeededFuture() : db.close());
      Future<Void> tunnelClosed = api == null ? Future.succeededFuture() : api.tunnel().close();
      return Future.all(relaysStopped, storeClosed, dbClosed, tunnelClosed).mapEmpty();
    });
  }

  /** What the API needs read from files before it starts. */
  private record ApiParts(OpenApiDocument openApi, LdapDirectory directory) {
  }
}
