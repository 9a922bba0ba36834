package dev.vertdesk.store;

import io.vertx.core.Future;

/**
 * Durable peer table (docs/protocol.md §8). Every call runs off the event loop and completes on the
 * caller's context; a failed write fails the returned future so that callers can report it.
 */
public interface PeerStore extends PeerRecords {

  /** Creates the schema if absent; an existing rustdesk-server database is used as is. */
  Future<Void> init();

  /** Inserts a new row with a fresh random 16-byte guid and returns that guid. */
  Future<byte[]> insert(String id, byte[] uuid, byte[] pk, String ip);

  /** {@code UPDATE peer SET id, pk, info.ip WHERE guid}; other keys of {@code info} are kept. */
  Future<Void> update(byte[] guid, String id, byte[] pk, String ip);

  /** Cheap round trip to the database, for readiness checks. */
  Future<Void> ping();

  /** How many rows the peer table holds (the start-up banner shows it after a migration). */
  Future<Long> count();

  Future<Void> close();
}
