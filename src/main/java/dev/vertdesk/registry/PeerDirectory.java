package dev.vertdesk.registry;

import io.vertx.core.Future;
import java.util.List;

/**
 * Reading the registry: what a device's record says and whether it is online. Safe to call from
 * any event loop; the futures complete on the caller's context. Plugins get this view.
 */
public interface PeerDirectory {

  /** Memory first, then the store; {@code null} when the ID is unknown. */
  Future<PeerView> lookup(String id);

  /** One flag per ID: registered within REG_TIMEOUT (docs/protocol.md §5.4.9), on any node. */
  Future<boolean[]> onlineStates(List<String> ids);

  /** Number of IDs known in this node's memory. */
  int size();

  /** Devices online on this node. */
  int onlineCount();

  /**
   * Up to {@code limit} of the IDs in this node's memory that start with {@code prefix} (and are
   * online, if asked), sorted by ID. Walks every entry: call it off the event loop.
   */
  List<PeerView> list(String prefix, boolean onlineOnly, int limit);
}
