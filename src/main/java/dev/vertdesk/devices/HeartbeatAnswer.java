package dev.vertdesk.devices;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The answer to a device's {@code POST /api/heartbeat}: a JSON object whose keys each ask the
 * client for something (rustdesk/rustdesk: {@code src/hbbs_http/sync.rs}); an empty object asks
 * for nothing. Each request is a method that adds its key, so the answer grows with the features
 * that need one.
 */
public final class HeartbeatAnswer {

  private final JsonObject json = new JsonObject();
  /** The device the answer is for, when the heartbeat came from one this node knows. */
  private HeartbeatTracker.Tracked device;

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

  /**
   * End these live connections of the device ({@code disconnect}: the client closes each
   * connection whose id is listed, src/server/connection.rs).
   */
  public HeartbeatAnswer disconnect(int[] conns) {
    JsonArray a = new JsonArray();
    for (int c : conns) {
      a.add(c);
    }
    json.put("disconnect", a);
    return this;
  }

  /**
   * The device's strategy, sent when the version the client holds ({@code modified_at} of its
   * heartbeat) differs: the client writes each option of {@code strategy} into its config and
   * keeps {@code modifiedAt}. {@code strategy} is shared between answers and only read.
   */
  public HeartbeatAnswer strategy(long modifiedAt, JsonObject strategy) {
    json.put("modified_at", modifiedAt).put("strategy", strategy);
    return this;
  }

  /**
   * The device has no strategy any more: the client keeps the options it was given but resets
   * its version to 0, so that a strategy assigned again later is sent again.
   */
  public HeartbeatAnswer noStrategy() {
    json.put("modified_at", 0L);
    return this;
  }

  HeartbeatAnswer forDevice(HeartbeatTracker.Tracked t) {
    device = t;
    return this;
  }

  /** The device the answer is for; {@code null} when the heartbeat was not one of a known device. */
  HeartbeatTracker.Tracked device() {
    return device;
  }

  /** The answer's JSON; the builder is not used after this. */
  public JsonObject toJson() {
    return json;
  }
}
