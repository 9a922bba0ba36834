package dev.vertdesk.store;

import io.vertx.core.Future;

/** Reading the durable peer table; the future completes on the caller's context. */
public interface PeerRecords {

  /** The stored row for {@code id} (exact, case-sensitive), or {@code null} when there is none. */
  Future<StoredPeer> findById(String id);
}
