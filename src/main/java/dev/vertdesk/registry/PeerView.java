package dev.vertdesk.registry;

import java.net.InetSocketAddress;

/**
 * What signaling needs to know about a registered device at one instant.
 *
 * @param endpoint the device's last accepted UDP endpoint, or {@code null} if none is known
 * @param online   registered within REG_TIMEOUT (30 s) on this server
 * @param node     the cluster node that holds the device's UDP endpoint or connection;
 *                 {@code null} for this node (and always on a single node)
 */
public record PeerView(String id, byte[] pk, InetSocketAddress endpoint, long lastRegMillis,
                       boolean online, String node) {

  /** A device held by this node. */
  public PeerView(String id, byte[] pk, InetSocketAddress endpoint, long lastRegMillis, boolean online) {
    this(id, pk, endpoint, lastRegMillis, online, null);
  }
}
