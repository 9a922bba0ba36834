package dev.vertdesk.relay;

import io.vertx.core.json.JsonObject;

/**
 * One live relay session, as the usage API reports it.
 *
 * @param id                    this node's session id
 * @param uuid                  the uuid both ends presented
 * @param first                 {@code ip:port} of the end that arrived first (normalised)
 * @param second                {@code ip:port} of the end that arrived second
 * @param bytesFirstToSecond    bytes read from the first end and forwarded so far
 * @param bytesSecondToFirst    bytes read from the second end and forwarded so far
 * @param startedMillis         wall-clock time the pair was made
 * @param currentBitsPerSecond  both directions together, over the last second or so
 * @param highestBitsPerSecond  the highest such one-second rate of the session so far
 * @param downgraded            held to LIMIT_SPEED by the sticky downgrade (§7.4)
 * @param blacklisted           held to LIMIT_SPEED because an end is in blacklist.txt
 * @param pendingToFirst        bytes queued in the relay for the first end (bounded by the
 *                              write-queue high-water mark plus one read)
 * @param pendingToSecond       the same for the second end
 */
public record RelaySessionInfo(String id, String uuid, String first, String second,
                               long bytesFirstToSecond, long bytesSecondToFirst, long startedMillis,
                               long currentBitsPerSecond, long highestBitsPerSecond, boolean downgraded,
                               boolean blacklisted,
                               long pendingToFirst, long pendingToSecond) {

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("uuid", uuid).put("first", first).put("second", second)
        .put("bytesFirstToSecond", bytesFirstToSecond).put("bytesSecondToFirst", bytesSecondToFirst)
        .put("startedMillis", startedMillis).put("currentBitsPerSecond", currentBitsPerSecond)
        .put("highestBitsPerSecond", highestBitsPerSecond)
        .put("downgraded", downgraded).put("blacklisted", blacklisted)
        .put("pendingToFirst", pendingToFirst).put("pendingToSecond", pendingToSecond);
  }
}
