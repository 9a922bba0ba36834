package dev.vertdesk.mail;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The network of a client address, for the new-place alarm: an IPv4 /24 or an IPv6 /48, the
 * block a provider or a site usually holds whole (an IPv4-mapped IPv6 address counts as IPv4).
 * Only IP literals are parsed; a name is never looked up.
 */
final class Networks {

  private Networks() {
  }

  static String of(String ip) {
    if (ip == null || ip.isEmpty()) {
      return "";
    }
    if (ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      String[] p = ip.split("\\.");
      boolean valid = java.util.Arrays.stream(p).allMatch(x -> Integer.parseInt(x) <= 255);
      return valid ? p[0] + "." + p[1] + "." + p[2] + ".0/24" : ip;
    }
    if (ip.indexOf(':') < 0 || !ip.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
      return ip;
    }
    byte[] b;
    try {
      // a text with a colon is parsed as an IPv6 literal, never looked up
      b = InetAddress.getByName(ip).getAddress();
    } catch (UnknownHostException e) {
      return ip;
    }
    if (b.length == 4) {
      return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/24"; // IPv4-mapped
    }
    return String.format("%02x%02x:%02x%02x:%02x%02x::/48", b[0], b[1], b[2], b[3], b[4], b[5]);
  }
}
