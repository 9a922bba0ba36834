package dev.vertdesk.store;

import io.vertx.core.Future;

/**
 * Durable peer table (docs/protocol.md §8). Every call runs off the event loop and completes on the
 * caller's context; a failed write fails the returned future so that callers can report it. A
 * request the store has no room for fails with {@link StoreBusyException}, one that arrives or is
 * still waiting while the store closes with {@link StoreClosedException}.
 */
public interface PeerStore extends PeerRecords {

  /** Creates the schema if absent; an existing rustdesk-server database is used as is. */
  Future<Void> init();

  /**
   * {@link #findById(String)} for a client at {@code clientIp}: under load, reads are served
   * fairly across client networks.
   */
  default Future<StoredPeer> findById(String id, String clientIp) {
    return findById(id);
  }

  /** Inserts a new row with a fresh random 16-byte guid and returns that guid. */
  Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip);

  /** {@code UPDATE peer SET id, pk, info.ip WHERE guid}; other keys of {@code info} are kept. */
  Future<Void> update(byte[] guid, String id, byte[] pk, String ip);

  /**
   * Whether a write for a client at {@code clientIp} would find room now. False means "retry
   * later"; checking first spares a registration that would be refused.
   */
  default boolean acceptsWrite(String clientIp) {
    return true;
  }

  /** Cheap round trip to the database. */
  Future<Void> ping();

  /** How many rows the peer table holds (the start-up banner shows it after a migration). */
  Future<Long> count();

  /** For readiness: the database answers and writes succeed (no recent write failure). */
  default Future<Void> checkReady() {
    return ping();
  }

  Future<Void> close();
}
