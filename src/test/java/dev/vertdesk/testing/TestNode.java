package dev.vertdesk.testing;

import dev.vertdesk.app.MainVerticle;
import dev.vertdesk.app.NodeSetup;
import dev.vertdesk.cluster.ClusterSupport;
import dev.vertdesk.config.NodeConfig;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.relay.RelayHub;
import dev.vertdesk.rendezvous.RendezvousContext;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Vertdesk node on loopback with every listener on port 0, built from the test thread,
 * with its own environment (never the machine's).
 */
public final class TestNode implements AutoCloseable {

  public final Vertx vertx;
  public final MainVerticle main;
  public final Path dataDir;

  private TestNode(Vertx vertx, MainVerticle main, Path dataDir) {
    this.vertx = vertx;
    this.main = main;
    this.dataDir = dataDir;
  }

  /** Loopback config with every listener on port 0; {@code overrides} are merged deeply. */
  public static JsonObject loopbackConfig(Path dataDir, JsonObject overrides) {
    JsonObject port0 = new JsonObject().put("port", 0).put("host", "127.0.0.1");
    JsonObject conf = new JsonObject()
        .put("dataDir", dataDir.toString())
        .put("verticles", new JsonObject()
            .put("udp", new JsonObject().put("config", port0.copy()))
            .put("signaling", new JsonObject().put("config", port0.copy()))
            .put("nat", new JsonObject().put("config", port0.copy()))
            .put("relay", new JsonObject().put("config", port0.copy()))
            .put("ws", new JsonObject().put("config", port0.copy()))
            .put("wsrelay", new JsonObject().put("config", port0.copy()))
            .put("api", new JsonObject().put("config", port0.copy()))
            .put("admin", new JsonObject().put("config", port0.copy())));
    return conf.mergeIn(overrides, true);
  }

  public static TestNode start(Path dataDir) throws Exception {
    return start(dataDir, new JsonObject(), Map.of());
  }

  public static TestNode start(Path dataDir, JsonObject overrides) throws Exception {
    return start(dataDir, overrides, Map.of());
  }

  public static TestNode start(Path dataDir, JsonObject overrides, Map<String, String> env)
      throws Exception {
    return deploy(Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)), dataDir, overrides, env);
  }

  /** A node on a Vert.x with Prometheus metrics, in a registry of its own (for {@code /metrics}). */
  public static TestNode startWithMetrics(Path dataDir, JsonObject overrides, Map<String, String> env)
      throws Exception {
    return deploy(Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
        .setMetricsOptions(dev.vertdesk.metrics.Metrics.defaultOptions("test-" + java.util.UUID.randomUUID()))),
        dataDir, overrides, env);
  }

  /**
   * A clustered node: Hazelcast on 127.0.0.1 from {@code hazelcastPort} upwards, joining the
   * members of {@code clusterName} (unique per test run, so parallel builds never merge).
   */
  public static TestNode startClustered(Path dataDir, JsonObject overrides, String clusterName,
                                        int hazelcastPort) throws Exception {
    JsonObject cluster = new JsonObject().put("name", clusterName).put("host", "127.0.0.1")
        .put("port", hazelcastPort).put("portCount", 10).put("joinWaitSeconds", 0)
        .put("requestTimeoutMillis", 3000);
    JsonObject conf = overrides.copy().put("cluster", cluster);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setPreferNativeTransport(true)
            .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
        .withClusterManager(ClusterSupport.clusterManager(
            NodeConfig.load(loopbackConfig(dataDir, conf), Map.of()).cluster()))
        .buildClustered()
        .await(60, TimeUnit.SECONDS);
    return deploy(vertx, dataDir, conf, Map.of());
  }

  private static TestNode deploy(Vertx vertx, Path dataDir, JsonObject overrides, Map<String, String> env)
      throws Exception {
    MainVerticle main;
    try {
      main = new MainVerticle(NodeSetup.load(loopbackConfig(dataDir, overrides), env));
      vertx.deployVerticle(main).await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close().await(10, TimeUnit.SECONDS);
      throw e;
    }
    return new TestNode(vertx, main, dataDir);
  }

  public NodeCore core() {
    return main.core();
  }

  public RendezvousContext rendezvous() {
    return main.rendezvous();
  }

  /** The node's relay; fails when the node runs no relay port. */
  public RelayHub relay() {
    return main.relay().orElseThrow(() -> new IllegalStateException("no relay on this node"));
  }

  public int port(String listener) {
    return core().ports().get(listener)
        .orElseThrow(() -> new IllegalStateException("listener " + listener + " not bound: " + core().ports()));
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
