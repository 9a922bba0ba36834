package dev.vertdesk.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/** Which wildcard address gives a dual-stack listener on this machine. */
public final class NetworkSupport {

  private static volatile String wildcard;

  private NetworkSupport() {
  }

  /**
   * {@code ::} (IPv6 and IPv4-mapped, as hbbs listens) when the JVM and the host have IPv6,
   * else {@code 0.0.0.0}.
   */
  public static String wildcardHost() {
    String w = wildcard;
    if (w == null) {
      w = ipv6Available() ? "::" : "0.0.0.0";
      wildcard = w;
    }
    return w;
  }

  private static boolean ipv6Available() {
    if (Boolean.getBoolean("java.net.preferIPv4Stack")) {
      return false;
    }
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet6Address) {
            return true;
          }
        }
      }
    } catch (SocketException e) {
      return false;
    }
    return false;
  }

  /** The configured bind address, or the dual-stack wildcard. */
  public static String bindHost(String configured) {
    return configured == null || configured.isEmpty() ? wildcardHost() : configured;
  }
}
