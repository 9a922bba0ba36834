package dev.vertdesk.net;

import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.config.IpRanges;
import io.vertx.core.MultiMap;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The client address of a WebSocket behind a reverse proxy. {@code X-Real-IP}, else the last
 * {@code X-Forwarded-For} entry (the one the proxy added), counts only when the TCP peer is a
 * trusted proxy; hbbs believes anyone, which lets a client spoof its IP into rate limits and LAN
 * decisions (docs/protocol.md §12 item 21).
 */
public final class ClientAddress {

  private ClientAddress() {
  }

  /**
   * @return the client's address; behind a trusted proxy its IP with the proxy connection's
   *         port, which keeps two browsers behind one address apart in answer routing
   */
  public static InetSocketAddress resolve(InetSocketAddress peer, MultiMap headers, IpRanges trusted) {
    InetSocketAddress normalized = AddrMangle.normalize(peer);
    if (!trusted.contains(normalized.getAddress())) {
      return normalized;
    }
    String value = headers.get("X-Real-IP");
    if (value == null || value.isBlank()) {
      String forwarded = headers.get("X-Forwarded-For");
      if (forwarded != null) {
        String[] hops = forwarded.split(",");
        value = hops[hops.length - 1];
      }
    }
    if (value == null || value.isBlank()) {
      return normalized;
    }
    String ip = value.trim();
    if (ip.startsWith("[") && ip.endsWith("]")) {
      ip = ip.substring(1, ip.length() - 1);
    }
    if (!ip.matches("[0-9a-fA-F.:]+") || !(ip.contains(".") || ip.contains(":"))) {
      return normalized; // not an IP literal: never resolve names from a header
    }
    try {
      return AddrMangle.normalize(new InetSocketAddress(InetAddress.getByName(ip), normalized.getPort()));
    } catch (UnknownHostException | IllegalArgumentException e) {
      return normalized;
    }
  }
}
