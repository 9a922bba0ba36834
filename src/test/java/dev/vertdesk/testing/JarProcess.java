package dev.vertdesk.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged jar run as README says ({@code java -jar vertdesk.jar -conf ...}), output collected. */
public final class JarProcess implements AutoCloseable {

  private static final Pattern PORTS = Pattern.compile("started .*\\{(.*)}");

  public final Process process;
  public final List<String> lines = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> ports = new HashMap<>();
  private final Object lock = new Object();
  private boolean started;
  private boolean ended;

  private JarProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::read, "jar-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** A node on 127.0.0.1 with every built-in verticle on a port of the kernel's choosing. */
  public static JsonObject loopbackConf(Path dataDir) {
    JsonObject verticles = new JsonObject();
    for (String name : dev.vertdesk.config.ConfigLoader.defaults().getJsonObject("verticles").fieldNames()) {
      verticles.put(name, new JsonObject().put("config", new JsonObject().put("port", 0)));
    }
    return new JsonObject().put("dataDir", dataDir.toString()).put("bind", "127.0.0.1").put("verticles", verticles);
  }

  /** Starts the jar (system property {@code vertdesk.jar}) with {@code conf} and a clean environment. */
  public static JarProcess start(JsonObject conf) throws IOException {
    return start(List.of(), List.of("-Xmx256m"), List.of("-conf", conf.encode()), Map.of(), null);
  }

  /** The same with {@code jvmOptions} (a heap size, say) instead of {@code -Xmx256m}. */
  public static JarProcess start(JsonObject conf, List<String> jvmOptions) throws IOException {
    return start(List.of(), jvmOptions, List.of("-conf", conf.encode()), Map.of(), null);
  }

  /**
   * The same in a session of its own, and so in a scheduling group of its own (Linux autogroups),
   * with {@link #prioritize()} to follow: for tests that time the server while they load it
   * themselves, where the server should have a share of the cores as it would on its own machine
   * rather than the share left by the test and whatever else runs on the box.
   */
  public static JarProcess startAlone(JsonObject conf, List<String> jvmOptions) throws IOException {
    return start(List.of("setsid"), jvmOptions, List.of("-conf", conf.encode()), Map.of(), null);
  }

  /** As {@link #start(JsonObject)}, in a process that may open at most {@code openFiles} descriptors. */
  public static JarProcess startWithOpenFileLimit(JsonObject conf, int openFiles) throws IOException {
    return start(List.of("sh", "-c", "ulimit -n " + openFiles + " && exec \"$@\"", "sh"), List.of("-Xmx256m"),
        List.of("-conf", conf.encode()), Map.of(), null);
  }

  /**
   * Starts the jar with these arguments ({@code hbbs -p ...}) in a clean environment plus {@code env},
   * in {@code workDir} (null: this one).
   */
  public static JarProcess start(List<String> args, Map<String, String> env, Path workDir) throws IOException {
    return start(List.of(), List.of("-Xmx256m"), args, env, workDir);
  }

  private static JarProcess start(List<String> launcher, List<String> jvmOptions, List<String> args,
      Map<String, String> env, Path workDir) throws IOException {
    String jar = Path.of(System.getProperty("vertdesk.jar", "target/vertdesk.jar")).toAbsolutePath().toString();
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar);
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("VERTDESK_") || List.of("PORT", "KEY", "BIND",
        "RELAY_SERVERS", "DB_URL", "MASK", "RMEM", "ALWAYS_USE_RELAY", "LOCAL_IP").contains(k.toUpperCase()));
    pb.environment().putAll(env);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    pb.redirectErrorStream(true);
    return new JarProcess(pb.start());
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
        Matcher m = PORTS.matcher(line);
        if (m.find()) {
          synchronized (lock) {
            for (String entry : m.group(1).split(",\\s*")) {
              String[] kv = entry.split("=");
              ports.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            }
            started = true;
            lock.notifyAll();
          }
        }
      }
    } catch (IOException e) {
      // process gone
    } finally {
      synchronized (lock) {
        ended = true;
        lock.notifyAll();
      }
    }
  }

  /** Waits for the start line; the bound ports by listener name. */
  public Map<String, Integer> awaitStarted(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (lock) {
      while (!started && !ended && System.currentTimeMillis() < deadline) {
        lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
      }
      if (!started) {
        throw new AssertionError("no start line in:\n" + output());
      }
      return Map.copyOf(ports);
    }
  }

  /**
   * Weighs the process's scheduling group (from {@link #startAlone}) above the others on the
   * machine; needs the right to raise priorities (root), else nothing changes.
   *
   * @return whether the weight was raised
   */
  public boolean prioritize() {
    try {
      java.nio.file.Files.writeString(Path.of("/proc/" + process.pid() + "/autogroup"), "-10");
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  public String output() {
    return String.join("\n", lines);
  }

  /** Whether some output line contains {@code text}, waiting up to {@code timeoutMillis}. */
  public boolean awaitLine(String text, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      if (lines.stream().anyMatch(l -> l.contains(text))) {
        return true;
      }
      Thread.sleep(20);
    }
    return lines.stream().anyMatch(l -> l.contains(text));
  }

  /**
   * Sends SIGTERM with {@code kill}, keeping the output readable ({@link Process#destroy()} sends
   * the same signal but closes our end of the output pipe).
   */
  public void sigterm() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -TERM " + process.pid() + " failed");
    }
  }

  /** Waits for the process to end and for its last output line to be read. */
  public boolean awaitExit(long timeoutMillis) throws InterruptedException {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    long deadline = System.currentTimeMillis() + 5000;
    synchronized (lock) {
      while (!ended && System.currentTimeMillis() < deadline) {
        lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
      }
    }
    return true;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }
}
