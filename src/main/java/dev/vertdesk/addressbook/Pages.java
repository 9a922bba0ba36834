package dev.vertdesk.addressbook;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A page as the client reads it: {@code total} always there and an integer, {@code data} the rows. */
final class Pages {

  private Pages() {
  }

  static JsonObject page(long total, List<JsonObject> rows) {
    return new JsonObject().put("total", total).put("data", new JsonArray(new ArrayList<>(rows)));
  }
}
