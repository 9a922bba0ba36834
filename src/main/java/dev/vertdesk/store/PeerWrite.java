package dev.vertdesk.store;

/**
 * One row write waiting for a batch: an insert (no {@code guid} yet; {@code uuid} set) or
 * {@code UPDATE peer SET id, pk, info.ip WHERE guid} ({@code uuid} unused).
 *
 * @param ip the client's address, stored as {@code info.ip}; it also names the client's network
 *           for the queue's fairness
 */
record PeerWrite(byte[] guid, String id, byte[] uuid, byte[] pk, String ip) {

  boolean isInsert() {
    return guid == null;
  }

  String ipText() {
    return ip == null ? "" : ip;
  }
}
