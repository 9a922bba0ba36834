package dev.vertdesk.accounts;

import io.vertx.core.json.JsonObject;

/**
 * The RustDesk client a login comes from: its ID and uuid (base64 of the machine uid, as in
 * RegisterPk) and the {@code deviceInfo} it sends ({@code os} such as {@code linux}, host name).
 */
public record ClientDevice(String id, String uuid, String os, String name) {

  public static final ClientDevice NONE = new ClientDevice("", "", "", "");

  /** As stored with a token. */
  JsonObject toJson() {
    return new JsonObject().put("id", id).put("uuid", uuid)
        .put("info", new JsonObject().put("os", os).put("name", name));
  }
}
