package dev.vertdesk.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of IPv4/IPv6 networks in CIDR form ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare IP).
 * An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) matches as the IPv4 address it carries.
 */
public final class IpRanges {

  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] ip) {
      if (ip.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (ip[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (ip[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Range> ranges;

  private IpRanges(List<Range> ranges) {
    this.ranges = ranges;
  }

  /** @param key the config key, named in errors */
  public static IpRanges parse(String key, List<String> entries) {
    List<Range> out = new ArrayList<>();
    for (String entry : entries) {
      String[] parts = entry.split("/", 2);
      if (!parts[0].matches("[0-9a-fA-F.:]+")) {
        throw new ConfigException(key, "not an IP network: " + entry);
      }
      try {
        byte[] ip = normalized(InetAddress.getByName(parts[0]));
        int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : ip.length * 8;
        if (prefix < 0 || prefix > ip.length * 8) {
          throw new ConfigException(key, "prefix out of range: " + entry);
        }
        out.add(new Range(ip, prefix));
      } catch (UnknownHostException | NumberFormatException e) {
        throw new ConfigException(key, "not an IP network: " + entry);
      }
    }
    return new IpRanges(List.copyOf(out));
  }

  public boolean contains(InetAddress address) {
    byte[] ip = normalized(address);
    for (Range r : ranges) {
      if (r.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /** The address bytes, IPv4 for an IPv4-mapped IPv6 address (as a dual-stack socket reports it). */
  private static byte[] normalized(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != 16) {
      return b;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return b;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff ? java.util.Arrays.copyOfRange(b, 12, 16) : b;
  }
}
