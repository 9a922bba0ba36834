package dev.vertdesk.devices;

import io.vertx.core.json.JsonObject;

/**
 * The answer to a device's {@code POST /api/heartbeat}: a JSON object whose keys each ask the
 * client for something (rustdesk/rustdesk: {@code src/hbbs_http/sync.rs}); an empty object asks
 * for nothing. Each request is a method that adds its key, so the answer grows with the features
 * that need one.
 */
public final class HeartbeatAnswer {

  private final JsonObject json = new JsonObject();

  /** Nothing to ask. */
  public static HeartbeatAnswer none() {
    return new HeartbeatAnswer();
  }

  /**
   * Upload the system information again ({@code sysinfo}; the client only looks at the key).
   * Only asked when the server lacks a current copy: a client asked on every heartbeat would
   * upload every 3 s.
   */
  public HeartbeatAnswer sysinfo() {
    json.put("sysinfo", true);
    return this;
  }

  /** The answer's JSON; the builder is not used after this. */
  public JsonObject toJson() {
    return json;
  }
}
