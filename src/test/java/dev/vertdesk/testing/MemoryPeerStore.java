package dev.vertdesk.testing;

import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.StoredPeer;
import io.vertx.core.Future;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory PeerStore for registry unit tests; {@code failWrites} simulates a broken disk. */
public final class MemoryPeerStore implements PeerStore {

  public final Map<String, StoredPeer> rows = new ConcurrentHashMap<>();
  public volatile boolean failWrites;
  public volatile int writes;

  @Override
  public Future<Void> init() {
    return Future.succeededFuture();
  }

  @Override
  public Future<StoredPeer> findById(String id) {
    return Future.succeededFuture(rows.get(id));
  }

  @Override
  public Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip) {
    if (failWrites) {
      return Future.failedFuture("disk full");
    }
    if (rows.containsKey(id)) {
      return Future.failedFuture("UNIQUE constraint failed: peer.id");
    }
    UUID u = UUID.randomUUID();
    byte[] guid = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits()).array();
    rows.put(id, new StoredPeer(guid, id, uuid, pk, ip));
    writes++;
    return Future.succeededFuture(guid);
  }

  @Override
  public Future<Void> update(byte[] guid, String id, byte[] pk, String ip) {
    if (failWrites) {
      return Future.failedFuture("disk full");
    }
    StoredPeer old = rows.values().stream().filter(r -> java.util.Arrays.equals(r.guid(), guid))
        .findFirst().orElse(null);
    if (old == null) {
      return Future.failedFuture("no row");
    }
    rows.remove(old.id());
    rows.put(id, new StoredPeer(guid, id, old.uuid(), pk, ip));
    writes++;
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Long> count() {
    return Future.succeededFuture((long) rows.size());
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
