package dev.vertdesk.tools;

import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.protocol.Envelopes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code doctor [--port <base>] [--admin-port <port>] [--timeout <ms>] <server>}: the
 * rustdesk-utils connectivity check (docs/protocol.md §9.5) with the same lines for name resolution
 * and the six TCP ports, followed by two checks of our own: a real {@code RegisterPeer}
 * datagram to the UDP registration port (answered by {@code RegisterPeerResponse}) and the
 * admin surface's {@code /health/ready}. Plain blocking JDK networking; every step is bounded by
 * the timeout.
 */
public final class Doctor {

  public static final int DEFAULT_BASE_PORT = 21116;
  public static final int DEFAULT_ADMIN_PORT = 21120;
  public static final int DEFAULT_TIMEOUT_MS = 3000;

  /** The TCP ports rustdesk-utils checks, as offsets from the base port, with its descriptions. */
  private static final int[] TCP_OFFSETS = {-2, -1, 0, 1, 2, 3};
  private static final String[] TCP_DESCRIPTIONS = {
      "API", "hbbs extra port for nat test", "hbbs", "hbbr tcp", "hbbs websocket", "hbbr websocket"};

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The outcome of one check: whether it passed and how long it took. */
  public record Probe(boolean ok, long millis, String detail) {
  }

  /** The outcome of the health check: HTTP status, or -1 when nothing answered. */
  public record HealthProbe(int status, long millis) {
    public boolean reachable() {
      return status >= 0;
    }
  }

  /** Parsed command line. */
  record Options(String server, int basePort, int adminPort, int timeoutMs) {
  }

  private Doctor() {
  }

  /** Runs the command with the arguments after {@code doctor}; returns the exit code. */
  static int main(String[] args, PrintStream out) {
    Options opts;
    try {
      opts = parse(args);
    } catch (IllegalArgumentException e) {
      return Utilities.errorThenUsage(out, e.getMessage());
    }
    if (opts.server() == null) {
      return Utilities.errorThenUsage(out, "You must supply the rustdesk-server address");
    }
    return run(opts, out);
  }

  static Options parse(String[] args) {
    String server = null;
    int base = DEFAULT_BASE_PORT;
    int admin = DEFAULT_ADMIN_PORT;
    int timeout = DEFAULT_TIMEOUT_MS;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--port" -> base = intOption(a, args, ++i, 3, 65532);
        case "--admin-port" -> admin = intOption(a, args, ++i, 1, 65535);
        case "--timeout" -> timeout = intOption(a, args, ++i, 1, 600_000);
        default -> {
          if (a.startsWith("--")) {
            throw new IllegalArgumentException("unknown doctor option " + a);
          }
          if (server != null) {
            throw new IllegalArgumentException("doctor checks one server, got " + server + " and " + a);
          }
          server = a;
        }
      }
    }
    return new Options(server, base, admin, timeout);
  }

  private static int intOption(String name, String[] args, int i, int min, int max) {
    if (i >= args.length) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    try {
      int v = Integer.parseInt(args[i]);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " expects a number from " + min + " to " + max + ", got " + args[i]);
  }

  static int run(Options opts, PrintStream out) {
    String server = opts.server().trim().toLowerCase(Locale.ROOT);
    out.println("Checking server:  " + server);
    out.println();
    InetAddress literal = ipLiteral(server);
    if (literal != null) {
      checkIp(literal, null, opts, out);
      return 0;
    }
    List<InetAddress> ips;
    try {
      ips = resolve(server, opts.timeoutMs());
    } catch (UnknownHostException e) {
      out.println("ERROR: cannot resolve " + server + ": " + e.getMessage());
      return 1;
    }
    out.println("Found " + ips.size() + " IP addresses: ");
    for (InetAddress ip : ips) {
      out.println(" - " + format(ip));
    }
    for (InetAddress ip : ips) {
      checkIp(ip, server, opts, out);
    }
    return 0;
  }

  private static void checkIp(InetAddress ip, String hostName, Options opts, PrintStream out) {
    out.println();
    out.println("Checking IP address: " + format(ip));
    out.println("Is IPV4: " + (ip instanceof Inet4Address));
    out.println("Is IPV6: " + (ip instanceof Inet6Address));
    if (hostName != null) {
      String reverse = reverseLookup(ip, opts.timeoutMs());
      if (reverse.equalsIgnoreCase(hostName)) {
        out.println("Reverse DNS lookup: '" + reverse + "' MATCHES server address");
      } else {
        out.println("Reverse DNS lookup: '" + reverse + "' DOESN'T MATCH server address '" + hostName + "'");
      }
    }
    for (int i = 0; i < TCP_OFFSETS.length; i++) {
      int port = opts.basePort() + TCP_OFFSETS[i];
      out.println(tcpLine(port, TCP_DESCRIPTIONS[i], tcp(ip, port, opts.timeoutMs())));
    }
    out.println(udpLine(opts.basePort(), udpRegisterPeer(ip, opts.basePort(), opts.timeoutMs())));
    String url = healthUrl(ip, opts.adminPort());
    out.println(healthLine(url, health(ip, opts.adminPort(), opts.timeoutMs())));
  }

  // ---- the checks ----

  /** Opens (and closes) a TCP connection. */
  public static Probe tcp(InetAddress ip, int port, int timeoutMs) {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), timeoutMs);
      return new Probe(true, elapsedMillis(start), "");
    } catch (IOException e) {
      return new Probe(false, elapsedMillis(start), e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  /**
   * Sends {@code RegisterPeer} for a throw-away ID and waits for {@code RegisterPeerResponse}.
   * The ID (longer than any client ID) is unknown to the server, which therefore only answers
   * {@code request_pk = true} and changes nothing (§5.4.1). Other datagrams are skipped.
   */
  public static Probe udpRegisterPeer(InetAddress ip, int port, int timeoutMs) {
    String probeId = "vertdesk-doctor-" + HexFormat.of().formatHex(randomBytes(8));
    byte[] request = RendezvousMessage.newBuilder()
        .setRegisterPeer(RegisterPeer.newBuilder().setId(probeId)).build().toByteArray();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(ip, port)); // replies from elsewhere are filtered out
      socket.send(new DatagramPacket(request, request.length));
      byte[] buf = new byte[65536];
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return new Probe(false, elapsedMillis(start), "no RegisterPeerResponse within " + timeoutMs + " ms");
        }
        socket.setSoTimeout((int) left);
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        RendezvousMessage m = Envelopes.parse(buf, 0, p.getLength());
        if (m != null && m.getUnionCase() == RendezvousMessage.UnionCase.REGISTER_PEER_RESPONSE) {
          return new Probe(true, elapsedMillis(start), "");
        }
      }
    } catch (SocketTimeoutException e) {
      return new Probe(false, elapsedMillis(start), "no RegisterPeerResponse within " + timeoutMs + " ms");
    } catch (PortUnreachableException e) {
      return new Probe(false, elapsedMillis(start), "port unreachable");
    } catch (IOException e) {
      return new Probe(false, elapsedMillis(start), e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  /** GET {@code /health/ready} on the admin port; status -1 if no HTTP answer came. */
  public static HealthProbe health(InetAddress ip, int port, int timeoutMs) {
    long start = System.nanoTime();
    HttpURLConnection c = null;
    try {
      c = (HttpURLConnection) URI.create(healthUrl(ip, port)).toURL().openConnection(Proxy.NO_PROXY);
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      int status = c.getResponseCode();
      drain(c);
      return new HealthProbe(status, elapsedMillis(start));
    } catch (IOException e) {
      return new HealthProbe(-1, elapsedMillis(start));
    } finally {
      if (c != null) {
        c.disconnect();
      }
    }
  }

  private static void drain(HttpURLConnection c) {
    try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
      if (in != null) {
        in.readNBytes(64 * 1024);
      }
    } catch (IOException ignored) {
      // the status is all we need
    }
  }

  // ---- output lines ----

  static String tcpLine(int port, String description, Probe p) {
    return "TCP Port " + port + " (" + description + "): " + (p.ok() ? "OK in " + p.millis() + " ms" : "ERROR");
  }

  static String udpLine(int port, Probe p) {
    return "UDP Port " + port + " (hbbs registration): "
        + (p.ok() ? "OK in " + p.millis() + " ms" : "ERROR (" + p.detail() + ")");
  }

  static String healthLine(String url, HealthProbe h) {
    String prefix = "Health endpoint " + url + ": ";
    if (!h.reachable()) {
      return prefix + "not reachable (the admin port listens on loopback unless configured otherwise)";
    }
    if (h.status() == 200) {
      return prefix + "OK in " + h.millis() + " ms";
    }
    return prefix + "NOT READY (HTTP " + h.status() + ")";
  }

  static String healthUrl(InetAddress ip, int port) {
    String host = ip instanceof Inet6Address ? "[" + format(ip) + "]" : format(ip);
    return "http://" + host + ":" + port + "/health/ready";
  }

  // ---- addresses ----

  /** An IPv4 or IPv6 literal (brackets allowed) without any DNS query, else null. */
  static InetAddress ipLiteral(String s) {
    String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = t.contains(":") && t.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      return null;
    }
    if (v4) {
      for (String part : t.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return null;
        }
      }
    }
    try {
      return InetAddress.getByName(t); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static List<InetAddress> resolve(String host, int timeoutMs) throws UnknownHostException {
    CompletableFuture<InetAddress[]> f = CompletableFuture.supplyAsync(() -> {
      try {
        return InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    try {
      List<InetAddress> list = new ArrayList<>();
      for (InetAddress a : f.get(Math.max(timeoutMs, 5000), TimeUnit.MILLISECONDS)) {
        // the name-less form, so the reverse lookup below really asks DNS
        InetAddress bare = InetAddress.getByAddress(a.getAddress());
        if (!list.contains(bare)) {
          list.add(bare);
        }
      }
      return list;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof UnknownHostException u ? u : new UnknownHostException(String.valueOf(c));
    } catch (TimeoutException e) {
      throw new UnknownHostException("no answer from the resolver within " + Math.max(timeoutMs, 5000) + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnknownHostException("interrupted");
    }
  }

  /** The PTR name of ip, or its literal when there is none (or the resolver is too slow). */
  private static String reverseLookup(InetAddress ip, int timeoutMs) {
    try {
      return CompletableFuture.supplyAsync(ip::getCanonicalHostName)
          .get(Math.max(timeoutMs, 5000), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return format(ip);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return format(ip);
    }
  }

  /** Dotted IPv4, or RFC 5952 IPv6 (lower case, longest run of two or more zero groups as ::). */
  static String format(InetAddress ip) {
    if (!(ip instanceof Inet6Address)) {
      return ip.getHostAddress();
    }
    byte[] b = ip.getAddress();
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
