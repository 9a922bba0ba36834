package dev.vertdesk.store;

/**
 * One row of the {@code peer} table. {@code ip} is {@code info.ip} as stored (may be an
 * IPv4-mapped IPv6 string written by rustdesk-server), or {@code ""} when absent.
 */
public record StoredPeer(byte[] guid, String id, byte[] uuid, byte[] pk, String ip) {
}
