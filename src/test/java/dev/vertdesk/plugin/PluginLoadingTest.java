package dev.vertdesk.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.proto.RegisterPkResponse;
import dev.vertdesk.testing.PluginJars;
import dev.vertdesk.testing.TestNode;
import dev.vertdesk.testing.UdpDevice;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin jar compiled during the test is loaded from a plugins directory, deployed from its
 * {@code verticles.<name>} block like a built-in verticle, and receives domain events.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PluginLoadingTest {

  @TempDir
  Path tmp;

  /** A plugin that forwards every peer.registered event, with what it sees of the node, to "test.probe". */
  static String probeSource(String pkg, String name) {
    return """
        package %s;

        import dev.vertdesk.config.PluginBlock;
        import dev.vertdesk.events.Addresses;
        import dev.vertdesk.plugin.PluginContext;
        import dev.vertdesk.plugin.VertdeskPlugin;
        import io.vertx.core.Deployable;
        import io.vertx.core.Future;
        import io.vertx.core.VerticleBase;
        import io.vertx.core.json.JsonObject;

        public final class ProbePlugin implements VertdeskPlugin<String> {
          public String name() {
            return "%s";
          }

          public String options(PluginBlock block) {
            block.config().rejectUnknown(java.util.Set.of("tag"));
            return block.config().string("tag", "none");
          }

          public Deployable create(PluginContext node, String tag) {
            return new VerticleBase() {
              @Override
              public Future<?> start() {
                String tccl = Thread.currentThread().getContextClassLoader() == null ? ""
                    : String.valueOf(Thread.currentThread().getContextClassLoader().getName());
                return node.eventBus().<JsonObject>consumer(Addresses.PEER_REGISTERED, m -> {
                  String id = m.body().getString("id");
                  node.devices().lookup(id).onComplete(ar -> vertx.eventBus().publish("test.probe",
                      new JsonObject()
                          .put("tag", tag)
                          .put("event", m.body())
                          .put("node", node.nodeId())
                          .put("pkLength", ar.succeeded() && ar.result() != null ? ar.result().pk().length : -1)
                          .put("loader", getClass().getClassLoader().getName())
                          .put("tccl", tccl)
                          .put("instances", context.getInstanceCount())));
                }).completion();
              }
            };
          }
        }
        """.formatted(pkg, name);
  }

  private Path buildProbe(Path pluginsDir, String jarName, String pkg, String name) throws Exception {
    return PluginJars.compile(tmp, pluginsDir.resolve(jarName),
        Map.of(pkg + ".ProbePlugin", probeSource(pkg, name)), List.of(pkg + ".ProbePlugin"));
  }

  private static JsonObject conf(Path pluginsDir, JsonObject verticles) {
    return new JsonObject().put("pluginsDir", pluginsDir.toString()).put("verticles", verticles);
  }

  @Test
  void pluginFromTheDirectoryIsDeployedWithItsConfigAndReceivesEvents() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    buildProbe(plugins, "probe.jar", "probe.one", "probe");
    Files.writeString(plugins.resolve("notes.txt"), "not a jar, ignored");
    Path data = Files.createDirectories(tmp.resolve("data"));
    JsonObject verticles = new JsonObject().put("probe", new JsonObject().put("enabled", true)
        .put("config", new JsonObject().put("tag", "from-config")));
    try (TestNode node = TestNode.start(data, conf(plugins, verticles))) {
      BlockingQueue<JsonObject> seen = new LinkedBlockingQueue<>();
      node.vertx.eventBus().<JsonObject>consumer("test.probe", m -> seen.add(m.body())).completion()
          .await(5, TimeUnit.SECONDS);
      byte[] pk = Nacl.signKeyPair().publicKey();
      try (UdpDevice d = new UdpDevice("777000111", "probe-uuid".getBytes(StandardCharsets.UTF_8), pk,
          node.port("udp"))) {
        assertEquals(RegisterPkResponse.Result.OK, d.registerPk());
      }
      JsonObject got = seen.poll(5, TimeUnit.SECONDS);
      assertNotNull(got, "the plugin received peer.registered");
      assertEquals("from-config", got.getString("tag"), "its config block made its options");
      assertEquals("777000111", got.getJsonObject("event").getString("id"));
      assertEquals("peer.registered", got.getJsonObject("event").getString("type"));
      assertEquals(node.core().nodeId(), got.getString("node"), "the node's plugin context");
      assertEquals(32, got.getInteger("pkLength"), "the registry, as built-in verticles see it");
      assertEquals("plugin:probe.jar", got.getString("loader"), "loaded from the jar by its own class loader");
      assertEquals("plugin:probe.jar", got.getString("tccl"), "runs with its jar as context class loader");
      assertEquals(1, got.getInteger("instances"));
    }
  }

  @Test
  void aPluginThatIsNotEnabledIsLoadedButNotDeployed() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    buildProbe(plugins, "probe.jar", "probe.two", "probe");
    Path data = Files.createDirectories(tmp.resolve("data"));
    try (TestNode node = TestNode.start(data, conf(plugins, new JsonObject()))) {
      BlockingQueue<JsonObject> seen = new LinkedBlockingQueue<>();
      node.vertx.eventBus().<JsonObject>consumer("test.probe", m -> seen.add(m.body())).completion()
          .await(5, TimeUnit.SECONDS);
      try (UdpDevice d = new UdpDevice("777000222", "u2".getBytes(StandardCharsets.UTF_8),
          Nacl.signKeyPair().publicKey(), node.port("udp"))) {
        assertEquals(RegisterPkResponse.Result.OK, d.registerPk());
      }
      assertNull(seen.poll(500, TimeUnit.MILLISECONDS), "a disabled plugin does not run");
    }
  }

  @Test
  void anEnvironmentVariableEnablesAPluginLikeABuiltIn() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    buildProbe(plugins, "probe.jar", "probe.three", "probe");
    Path data = Files.createDirectories(tmp.resolve("data"));
    Map<String, String> env = Map.of("VERTDESK_PLUGINS_DIR", plugins.toString(),
        "VERTDESK_VERTICLES__PROBE__ENABLED", "true",
        "VERTDESK_VERTICLES__PROBE__CONFIG__TAG", "from-env");
    try (TestNode node = TestNode.start(data, new JsonObject(), env)) {
      BlockingQueue<JsonObject> seen = new LinkedBlockingQueue<>();
      node.vertx.eventBus().<JsonObject>consumer("test.probe", m -> seen.add(m.body())).completion()
          .await(5, TimeUnit.SECONDS);
      node.core().events().peerRegistered("777000333", "192.0.2.1", true, null);
      JsonObject got = seen.poll(5, TimeUnit.SECONDS);
      assertNotNull(got);
      assertEquals("from-env", got.getString("tag"));
    }
  }

  @Test
  void unknownVerticleNamesListTheBuiltInsAndThePlugins() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    buildProbe(plugins, "probe.jar", "probe.four", "probe");
    Path data = Files.createDirectories(tmp.resolve("data"));
    Exception e = assertThrows(Exception.class, () -> TestNode.start(data,
        conf(plugins, new JsonObject().put("nosuch", new JsonObject().put("enabled", true)))));
    String msg = messages(e);
    assertTrue(msg.contains("verticles.nosuch") && msg.contains("udp") && msg.contains("plugins: probe"), msg);

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Exception none = assertThrows(Exception.class, () -> TestNode.start(data,
        conf(empty, new JsonObject().put("probe", new JsonObject().put("enabled", true)))));
    assertTrue(messages(none).contains("plugins: none"), messages(none));
  }

  @Test
  void badPluginJarsStopTheStartNamingTheJar() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));

    Path builtIn = Files.createDirectories(tmp.resolve("builtin"));
    buildProbe(builtIn, "relay-probe.jar", "probe.five", "relay");
    String m1 = messages(assertThrows(Exception.class, () -> TestNode.start(data, conf(builtIn, new JsonObject()))));
    assertTrue(m1.contains("relay-probe.jar") && m1.contains("built-in"), m1);

    Path twice = Files.createDirectories(tmp.resolve("twice"));
    buildProbe(twice, "a.jar", "probe.six", "probe");
    buildProbe(twice, "b.jar", "probe.seven", "probe");
    String m2 = messages(assertThrows(Exception.class, () -> TestNode.start(data, conf(twice, new JsonObject()))));
    assertTrue(m2.contains("b.jar") && m2.contains("a.jar"), m2);

    Path broken = Files.createDirectories(tmp.resolve("broken"));
    Path classes = Files.createDirectories(tmp.resolve("broken-classes"));
    Path service = classes.resolve(PluginJars.SERVICE);
    Files.createDirectories(service.getParent());
    Files.writeString(service, "no.such.PluginClass\n");
    PluginJars.jar(classes, broken.resolve("broken.jar"));
    String m3 = messages(assertThrows(Exception.class, () -> TestNode.start(data, conf(broken, new JsonObject()))));
    assertTrue(m3.contains("broken.jar") && m3.contains("pluginsDir"), m3);

    Path badName = Files.createDirectories(tmp.resolve("badname"));
    buildProbe(badName, "bad.jar", "probe.eight", "Not-A-Name");
    String m4 = messages(assertThrows(Exception.class, () -> TestNode.start(data, conf(badName, new JsonObject()))));
    assertTrue(m4.contains("bad.jar") && m4.contains("Not-A-Name"), m4);
  }

  @Test
  void loaderSeesOnlyJarsAndAMissingDirectoryMeansNoPlugins() throws Exception {
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    buildProbe(plugins, "one.jar", "probe.nine", "probeOne");
    buildProbe(plugins, "two.jar", "probe.ten", "probeTwo");
    Files.createDirectories(plugins.resolve("sub.jar")); // a directory, not a jar
    try (PluginLoader.Plugins p = PluginLoader.load(plugins, Set.of("udp"))) {
      assertEquals(List.of("probeOne", "probeTwo"), List.copyOf(p.names()));
      assertTrue(p.has("probeTwo"));
      assertFalse(p.has("udp"));
    }
    try (PluginLoader.Plugins p = PluginLoader.load(tmp.resolve("missing"), Set.of())) {
      assertTrue(p.names().isEmpty());
    }
  }

  @Test
  void theReadmeExampleCompilesAndRuns() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int section = readme.indexOf("### Writing one");
    assertTrue(section >= 0, "README has the plugin example");
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    String example = readme.substring(start, readme.indexOf("```", start));
    String source = """
        package readme;

        import dev.vertdesk.config.PluginBlock;
        import dev.vertdesk.events.Addresses;
        import dev.vertdesk.plugin.PluginContext;
        import dev.vertdesk.plugin.VertdeskPlugin;
        import io.vertx.core.Deployable;
        import io.vertx.core.Future;
        import io.vertx.core.VerticleBase;
        import io.vertx.core.json.JsonObject;
        import java.util.List;
        import org.slf4j.LoggerFactory;

        """ + example;
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    PluginJars.compile(tmp, plugins.resolve("audit.jar"), Map.of("readme.AuditPlugin", source),
        List.of("readme.AuditPlugin"));
    Path data = Files.createDirectories(tmp.resolve("data"));
    JsonObject verticles = new JsonObject().put("audit", new JsonObject().put("enabled", true)
        .put("config", new JsonObject().put("path", "/var/log/audit")));
    int without;
    try (TestNode node = TestNode.start(data, conf(plugins, new JsonObject()))) {
      without = node.vertx.deploymentIDs().size();
    }
    try (TestNode node = TestNode.start(data, conf(plugins, verticles))) {
      assertEquals(without + 1, node.vertx.deploymentIDs().size(), "the audit verticle runs");
    }
  }

  @Test
  void theDefaultDirectoryIsNextToTheJar() {
    // tests run from target/classes, a directory: the working directory's plugins/
    assertEquals(Path.of("plugins"), PluginLoader.defaultDir());
  }

  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append(" | ");
    }
    return b.toString();
  }
}
