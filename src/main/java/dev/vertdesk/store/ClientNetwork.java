package dev.vertdesk.store;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The network a client address belongs to, as the store's queues share their room: an IPv4 /24 or
 * an IPv6 /48, the blocks one operator usually holds whole, so that many addresses of one
 * flooding network count as one source.
 */
final class ClientNetwork {

  /** Requests of the node itself (no client address). */
  static final String NODE = "";

  private ClientNetwork() {
  }

  /** The source key of an IP literal ({@code a.b.c.d}, an IPv6 address); {@link #NODE} for none. */
  static String of(String ip) {
    if (ip == null || ip.isEmpty()) {
      return NODE;
    }
    if (ip.indexOf(':') < 0) {
      int dot = ip.lastIndexOf('.');
      return dot < 0 ? ip : ip.substring(0, dot);
    }
    byte[] b;
    try {
      // only an IPv6 literal gets here (it has a colon): no name lookup
      b = ip.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%')
          ? InetAddress.getByName(ip).getAddress() : null;
    } catch (UnknownHostException e) {
      b = null;
    }
    if (b == null) {
      return ip;
    }
    if (b.length == 4) {
      return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff); // IPv4-mapped
    }
    return String.format("%02x%02x:%02x%02x:%02x%02x::/48", b[0], b[1], b[2], b[3], b[4], b[5]);
  }
}
