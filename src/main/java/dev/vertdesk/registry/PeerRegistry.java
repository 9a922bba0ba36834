package dev.vertdesk.registry;

import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;

/**
 * The server's view of every device: who owns an ID, its key, where it was last seen and
 * whether it is online. Online state lives in memory only (REG_TIMEOUT, docs/protocol.md §12 item 8);
 * the durable part goes through a {@link dev.vertdesk.store.PeerStore}. Implementations are
 * safe to call from any event loop and never block one. Addresses passed in are normalised
 * ({@link dev.vertdesk.protocol.AddrMangle#normalize}).
 */
public interface PeerRegistry extends PeerDirectory {

  long REG_TIMEOUT_MILLIS = 30_000;

  /** RegisterPeer (§5.4.1): refreshes a known device or asks it for its key. */
  Future<HeartbeatOutcome> heartbeat(String id, InetSocketAddress from);

  /** RegisterPk (§5.4.2) with both limiters, the uuid/pk/IP rules and persistence. */
  Future<RegisterPkOutcome> registerPk(String id, byte[] uuid, byte[] pk, InetSocketAddress from);

  /**
   * ID change (RegisterPk with {@code old_id} over TCP, an extension of the open-source server):
   * the request's uuid, and its pk when it carries one, must match the record of {@code oldId};
   * {@code newId} must be free and follow the client's custom-ID rule. Afterwards only
   * {@code newId} exists.
   */
  Future<RegisterPkOutcome> changeId(String oldId, String newId, byte[] uuid, byte[] pk,
                                     InetSocketAddress from);

  /**
   * The connection a device registered over is gone: it is offline at once, unless it has
   * registered from another endpoint since. True when this took it offline.
   */
  boolean disconnected(String id, InetSocketAddress endpoint);

  /** This node's memory only: no store, no other node, no online check. */
  PeerView cached(String id);

  /** Marks devices whose registration expired as offline; calls {@code offline} once for each. */
  void sweepExpired(Consumer<String> offline);

  /** This node's per-IP registration limiter, for the admin API. */
  IpRegistrationLimiter ipLimiter();

  /**
   * Lifts the per-IP RegisterPk limit of {@code ip}: this node's count and, in a cluster, the
   * shared one. True if either held anything.
   */
  Future<Boolean> liftIpLimit(String ip);
}
