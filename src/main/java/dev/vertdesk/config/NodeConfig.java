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
public record NodeConfig(ServerConfig server, ClusterConfig cluster, OperationOptions operations,
                         AccountsConfig accounts, DevicesConfig devices,
                         Deployment<UdpOptions> udp, Deployment<SignalingOptions> signaling,
                         Deployment<NatOptions> nat, Deployment<RelayOptions> relay, Deployment<WsOptions> ws,
                         Deployment<WsRelayOptions> wsrelay, Deployment<ApiOptions> api,
                         Deployment<AdminOptions> admin,
                         Map<String, PluginBlock> plugins) {

  /** The built-in verticles, in the order they are deployed. */
  public static final List<String> BUILT_IN = List.of("udp", "signaling", "nat", "relay", "ws", "wsrelay", "api", "admin");

  /** Loads the layers ({@link ConfigLoader}) and parses them; reads files. */
  public static NodeConfig load(JsonObject conf, Map<String, String> environ) {
    return parse(ConfigLoader.load(conf, environ));
  }

  /** @throws ConfigException naming the first key that is unknown or has an unusable value */
  public static NodeConfig parse(ConfigTree tree) {
    new ConfigSchema(ConfigLoader.defaults(), tree).check();
    try {
      return parse(new ConfigBlock(tree.tree(), ""));
    } catch (ConfigException e) {
      throw e.from(tree.origin(e.key()));
    }
  }

  private static NodeConfig parse(ConfigBlock root) {
    ServerConfig server = ServerConfig.from(root);
    ConfigBlock verticles = root.child("verticles");
    Ports ports = new Ports(verticles, server.bind(), server.basePort());
    ConfigBlock relayBlock = verticles.child("relay");
    OptionalInt relayPort = relayBlock.child("config").optionalInteger("port", 0, 65535);
    Map<String, PluginBlock> plugins = new LinkedHashMap<>();
    for (String name : verticles.values().fieldNames()) {
      if (!BUILT_IN.contains(name)) {
        plugins.put(name, PluginBlock.from(verticles.child(name), name));
      }
    }
    return new NodeConfig(server,
        ClusterConfig.from(root.child("cluster")),
        OperationOptions.from(root),
        AccountsConfig.from(root.child("accounts")),
        DevicesConfig.from(root.child("devices")),
        ports.deploy("udp", p -> p, UdpOptions::from),
        ports.deploy("signaling", p -> p, SignalingOptions::from),
        ports.deploy("nat", p -> p - 1, NatOptions::from),
        ports.deploy("relay", p -> p + 1, RelayOptions::from),
        ports.deploy("ws", p -> p + 2, WsOptions::from),
        // hbbr: the WebSocket relay follows an explicitly set relay port (+2), else the base + 3
        ports.deploy("wsrelay", p -> relayPort.isPresent() && relayPort.getAsInt() > 0
            && relayPort.getAsInt() + 2 <= 65535 ? relayPort.getAsInt() + 2 : p + 3, WsRelayOptions::from),
        ports.deploy("api", p -> p - 2, ApiOptions::from),
        ports.deploy("admin", p -> p + 4, AdminOptions::from),
        Map.copyOf(plugins));
  }

  /** Reads one built-in block with its host and port resolved. */
  private record Ports(ConfigBlock verticles, String bind, int base) {

    interface Options<T> {
      T from(ConfigBlock config, String host, int port);
    }

    <T> Deployment<T> deploy(String name, IntUnaryOperator derive, Options<T> options) {
      ConfigBlock block = verticles.child(name);
      ConfigBlock config = block.child("config");
      int port = config.optionalInteger("port", 0, 65535).orElse(derive.applyAsInt(base));
      String host = config.values().getValue("host") == null ? bind : config.string("host");
      return Deployment.of(block, name, options.from(config, host, port));
    }
  }

  /** Every built-in deployment, in deployment order. */
  public List<Deployment<?>> builtIns() {
    return List.of(udp, signaling, nat, relay, ws, wsrelay, api, admin);
  }
}
