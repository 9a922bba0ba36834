package dev.vertdesk.app;

import dev.vertdesk.config.AdminOptions;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.Deployment;
import dev.vertdesk.config.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code vertdesk healthcheck}: asks the node on this host for {@code /health/ready} on its admin
 * port, which follows from the same command line and configuration the node runs with. Exit 0
 * when ready, 1 otherwise, as Docker's {@code HEALTHCHECK} reads it. In the container image the
 * check is given no arguments: the node is the container's first process, and its arguments
 * (say {@code hbbr -p 21117}) are read from {@code /proc/1/cmdline}.
 */
final class Healthcheck {

  static final int READY = 0;
  static final int NOT_READY = 1;
  private static final Path FIRST_PROCESS = Path.of("/proc/1/cmdline");
  private static final int MAX_BODY = 4096;

  private Healthcheck() {
  }

  static int run(LauncherCommand.Healthcheck check, Map<String, String> env, PrintStream out) {
    String url;
    try {
      url = check.url().orElseGet(() -> readyUrl(serverOf(check, FIRST_PROCESS), env));
    } catch (ConfigException e) {
      out.println("not ready: " + e.getMessage());
      return NOT_READY;
    }
    return probe(url, check.timeoutMillis(), out);
  }

  /** The node's command line: as given, else the first process's when it runs vertdesk.jar, else the defaults. */
  static LauncherCommand.Serve serverOf(LauncherCommand.Healthcheck check, Path firstProcess) {
    if (check.given() || !Files.isReadable(firstProcess)) {
      return check.serve();
    }
    try {
      Optional<String[]> args = serverArgs(Files.readAllBytes(firstProcess));
      if (args.isPresent() && LauncherArgs.read(args.get()) instanceof LauncherCommand.Serve serve) {
        return serve;
      }
    } catch (IOException | LauncherArgs.UsageException e) {
      // not a node we can read: the defaults
    }
    return check.serve();
  }

  /** The program arguments of a {@code java ... -jar .../vertdesk.jar <args>} command line ({@code \0}-separated). */
  static Optional<String[]> serverArgs(byte[] cmdline) {
    List<String> words = new ArrayList<>(Arrays.asList(new String(cmdline, StandardCharsets.UTF_8).split("\0")));
    for (int i = 1; i < words.size(); i++) {
      if (words.get(i - 1).equals("-jar") && words.get(i).endsWith("vertdesk.jar")) {
        return Optional.of(words.subList(i + 1, words.size()).toArray(String[]::new));
      }
    }
    return Optional.empty();
  }

  /** {@code http://<admin host>:<admin port>/health/ready} of the node {@code serve} starts. */
  static String readyUrl(LauncherCommand.Serve serve, Map<String, String> env) {
    NodeConfig config = NodeConfig.load(dev.vertdesk.config.ConfigLoader.readConf(serve.conf().orElse(null)), env, serve.settings());
    Deployment<AdminOptions> admin = config.admin();
    if (!admin.enabled()) {
      throw new ConfigException("verticles.admin.enabled", "the admin port is off here, so there is no /health/ready"
          + " to ask (give --url, or enable it)");
    }
    if (admin.options().port() == 0) {
      throw new ConfigException("verticles.admin.config.port", "0 (a port of the kernel's choosing) cannot be"
          + " found from outside: give --url");
    }
    String host = admin.options().host();
    if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    }
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + admin.options().port() + "/health/ready";
  }

  static int probe(String url, int timeoutMillis, PrintStream out) {
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      int status = c.getResponseCode();
      String body = body(status < 400 ? c.getInputStream() : c.getErrorStream());
      if (status == 200) {
        out.println("ready: " + url);
        return READY;
      }
      out.println("not ready: " + url + " answered " + status + (body.isEmpty() ? "" : ": " + body));
      return NOT_READY;
    } catch (IOException | IllegalArgumentException e) {
      out.println("not ready: " + url + ": " + e.getMessage());
      return NOT_READY;
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  private static String body(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8).strip();
    }
  }
}
