package dev.vertdesk.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Node-wide settings of the rendezvous and relay service, read by several verticles: where the
 * data lives, the key, the base port and the options rustdesk-server users already know.
 *
 * @param mustLogin a controlling client's PunchHoleRequest or RequestRelay needs the token of a
 *                  signed-in user (MUST_LOGIN of lejianwen's rustdesk-server fork)
 */
public record ServerConfig(
    Path dataDir,
    String key,
    String bind,
    int basePort,
    List<String> relayServers,
    boolean alwaysUseRelay,
    String dbUrl,
    Optional<Ipv4Mask> mask,
    String localIp,
    int serial,
    List<String> rendezvousServers,
    String softwareUrl,
    Limits limits,
    int keepAliveSeconds,
    boolean allowIdChange,
    boolean mustLogin,
    IpRanges trustedProxies) {

  /** Registration limiters of docs/protocol.md §5.4.2 (defaults as in hbbs). */
  public record Limits(int ipWindowSeconds, int ipMaxPerWindow, int idsPerIpPerDay,
                       int idWindowSeconds, int idMaxPerWindow) {
  }

  /** An IPv4 network given as {@code a.b.c.d/n}: the "LAN" of the deprecated --mask option. */
  public record Ipv4Mask(int network, int prefix) {

    public boolean contains(InetAddress address) {
      if (!(address instanceof Inet4Address v4)) {
        return false;
      }
      byte[] b = v4.getAddress();
      int ip = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
      int m = prefix == 0 ? 0 : -1 << (32 - prefix);
      return (ip & m) == (network & m);
    }

    static Ipv4Mask parse(String key, String text) {
      String[] parts = text.split("/");
      try {
        if (parts.length != 2 || !parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
          throw new IllegalArgumentException();
        }
        int prefix = Integer.parseInt(parts[1]);
        byte[] b = InetAddress.getByName(parts[0]).getAddress(); // a literal: no DNS
        if (prefix < 0 || prefix > 32 || b.length != 4) {
          throw new IllegalArgumentException();
        }
        int net = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        return new Ipv4Mask(net, prefix);
      } catch (IllegalArgumentException | UnknownHostException e) {
        throw new ConfigException(key, "expected an IPv4 network like 192.168.0.0/16, got " + text);
      }
    }
  }

  static ServerConfig from(ConfigBlock root) {
    String dataDir = root.string("dataDir");
    if (dataDir.isEmpty()) {
      throw new ConfigException("dataDir", "must not be empty");
    }
    String bind = root.string("bind");
    if (!bind.isEmpty() && !isIpLiteral(bind)) {
      throw new ConfigException("bind", "expected an IP address, got " + bind);
    }
    String maskText = root.string("mask");
    Optional<Ipv4Mask> mask = maskText.isEmpty()
        ? Optional.empty() : Optional.of(Ipv4Mask.parse("mask", maskText));
    String localIp = root.string("localIp");
    if (mask.isPresent() && localIp.isEmpty()) {
      localIp = detectLocalIpv4();
    }
    ConfigBlock limits = root.child("limits");
    Limits parsedLimits = new Limits(
        limits.integer("ipWindowSeconds", 1, 86_400),
        limits.integer("ipMaxPerWindow", 1, Integer.MAX_VALUE),
        limits.integer("idsPerIpPerDay", 1, Integer.MAX_VALUE),
        limits.integer("idWindowSeconds", 1, 86_400),
        limits.integer("idMaxPerWindow", 1, Integer.MAX_VALUE));
    String dbUrl = root.child("db").string("url");
    if (dbUrl.isEmpty()) {
      throw new ConfigException("db.url", "must not be empty");
    }
    return new ServerConfig(
        Path.of(dataDir),
        root.string("key"),
        bind,
        root.integer("port", 3, 65533),
        List.copyOf(root.list("relayServers")),
        root.bool("alwaysUseRelay"),
        dbUrl,
        mask,
        localIp,
        root.integer("serial", Integer.MIN_VALUE, Integer.MAX_VALUE),
        List.copyOf(root.list("rendezvousServers")),
        root.string("softwareUrl"),
        parsedLimits,
        root.integer("keepAliveSeconds", 5, 3600),
        root.bool("allowIdChange"),
        root.bool("mustLogin"),
        IpRanges.parse("trustedProxies", root.list("trustedProxies")));
  }

  static boolean isIpLiteral(String s) {
    return s.matches("[0-9.]+") && s.split("\\.").length == 4 || s.contains(":");
  }

  /** The primary site-local IPv4 address, handed to LAN peers as their relay (hbbs LOCAL_IP). */
  private static String detectLocalIpv4() {
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address && a.isSiteLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through: no LAN address known
    }
    throw new ConfigException("localIp", "mask is set but no local IPv4 address was found; set LOCAL_IP");
  }
}
