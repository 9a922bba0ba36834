package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.IntUnaryOperator;

/**
 * The whole configuration of one node, parsed and validated once, before anything opens: the
 * node-wide settings, the cluster block, and every verticle's deployment with its typed options
 * (ports derived from the base port as rustdesk-server derives them, docs/protocol.md §1.2).
 * Plugin blocks are kept for their plugins to check.
 */
public record NodeConfig(ServerConfig server, StoreOptions store, ClusterConfig cluster, OperationOptions operations,
                         AccountsConfig accounts, IdentityConfig identity, DevicesConfig devices, AuditConfig audit,
                         MailConfig mail, AddressBooksConfig addressBooks, ConnectionOptions connections,
                         Deployment<UdpOptions> udp, Deployment<SignalingOptions> signaling,
                         Deployment<NatOptions> nat, Deployment<RelayOptions> relay, Deployment<WsOptions> ws,
                         Deployment<WsRelayOptions> wsrelay, Deployment<ApiOptions> api,
                         Deployment<AdminOptions> admin,
                         Map<String, PluginBlock> plugins) {

  /** The built-in verticles, in the order they are deployed. */
  public static final List<String> BUILT_IN = List.of("udp", "signaling", "nat", "relay", "ws", "wsrelay", "api", "admin");

  /** Loads the layers ({@link ConfigLoader}) and parses them; reads files. */
  public static NodeConfig load(JsonObject conf, Map<String, String> environ) {
    return load(conf, environ, CommandLineSettings.NONE);
  }

  /** Loads the layers, the command line last, and parses them; reads files. */
  public static NodeConfig load(JsonObject conf, Map<String, String> environ, CommandLineSettings commandLine) {
    return parse(ConfigLoader.load(conf, environ, commandLine));
  }

  /** @throws ConfigException naming the first key that is unknown or has an unusable value */
  public static NodeConfig parse(ConfigTree tree) {
    new ConfigSchema(ConfigLoader.schema(), tree).check();
    try {
      return parse(new ConfigBlock(tree.tree(), ""));
    } catch (ConfigException e) {
      throw e.from(tree.origin(e.key()));
    }
  }

  private static NodeConfig parse(ConfigBlock root) {
    ServerConfig server = ServerConfig.from(root);
    OperationOptions operations = OperationOptions.from(root);
    ConfigBlock verticles = root.child("verticles");
    Ports ports = new Ports(verticles, server.bind(), server.basePort(), operations.role());
    ConfigBlock relayBlock = verticles.child("relay");
    OptionalInt relayPort = relayBlock.child("config").optionalInteger("port", 0, 65535);
    // hbbr's admin port sits above the relay's own ports, so that an ID server and a relay on
    // one host and base port never share one (PORT+4 is the ID server's)
    int relayBase = relayPort.isPresent() && relayPort.getAsInt() > 0 ? relayPort.getAsInt() : server.basePort() + 1;
    Map<String, PluginBlock> plugins = new LinkedHashMap<>();
    for (String name : verticles.values().fieldNames()) {
      if (!BUILT_IN.contains(name)) {
        plugins.put(name, PluginBlock.from(verticles.child(name), name));
      }
    }
    NodeConfig c = new NodeConfig(server,
        StoreOptions.from(root.child("db")),
        ClusterConfig.from(root.child("cluster")),
        operations,
        AccountsConfig.from(root.child("accounts")),
        IdentityConfig.from(root.child("accounts")),
        DevicesConfig.from(root.child("devices")),
        AuditConfig.from(root.child("audit")),
        MailConfig.from(root.child("mail")),
        AddressBooksConfig.from(root.child("addressBooks")),
        ConnectionOptions.from(root.child("connections")),
        ports.deploy("udp", p -> p, UdpOptions::from),
        ports.deploy("signaling", p -> p, SignalingOptions::from),
        ports.deploy("nat", p -> p - 1, NatOptions::from),
        ports.deploy("relay", p -> p + 1, RelayOptions::from),
        ports.deploy("ws", p -> p + 2, WsOptions::from),
        // hbbr: the WebSocket relay follows an explicitly set relay port (+2), else the base + 3
        ports.deploy("wsrelay", p -> relayPort.isPresent() && relayPort.getAsInt() > 0
            && relayPort.getAsInt() + 2 <= 65535 ? relayPort.getAsInt() + 2 : p + 3, WsRelayOptions::from),
        ports.deploy("api", p -> p - 2, ApiOptions::from),
        ports.deploy("admin", p -> operations.role() == Role.HBBR ? relayBase + 4 : p + 4, AdminOptions::from),
        Map.copyOf(plugins));
    int held = c.relay.options().maxHeldBytes();
    if (c.wsrelay.enabled() && held > 0 && held < c.wsrelay.options().maxMessageSize()) {
      throw new ConfigException("verticles.relay.config.maxHeldBytes", held
          + " is less than verticles.wsrelay.config.maxMessageSize (" + c.wsrelay.options().maxMessageSize()
          + "): no message of that size could pass");
    }
    return c;
  }

  /** Reads one built-in block with its host and port resolved, enabled only within the role. */
  private record Ports(ConfigBlock verticles, String bind, int base, Role role) {

    interface Options<T> {
      T from(ConfigBlock config, String host, int port);
    }

    <T> Deployment<T> deploy(String name, IntUnaryOperator derive, Options<T> options) {
      ConfigBlock block = verticles.child(name);
      ConfigBlock config = block.child("config");
      OptionalInt explicit = config.optionalInteger("port", 0, 65535);
      int port = explicit.orElseGet(() -> derive.applyAsInt(base));
      String host = config.values().getValue("host") == null ? bind : config.string("host");
      Deployment<T> d = Deployment.of(block, name, options.from(config, host, port), role.runs(name));
      if (d.enabled() && port > 65535) {
        throw new ConfigException(config.path("port"), "derived from port " + base + " it would be " + port
            + ", above 65535: set it, or a lower port");
      }
      return d;
    }
  }

  /** Every built-in deployment, in deployment order. */
  public List<Deployment<?>> builtIns() {
    return List.of(udp, signaling, nat, relay, ws, wsrelay, api, admin);
  }
}
