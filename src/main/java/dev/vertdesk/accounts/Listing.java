package dev.vertdesk.accounts;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Shapes shared by the admin lists and batch operations. */
final class Listing {

  /** Always with milliseconds: Pro's scripts cut ISO times at the dot. */
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private Listing() {
  }

  /** An epoch-millis time as ISO-8601 UTC, {@code null} for 0 (never). */
  static String iso(long millis) {
    return millis <= 0 ? null : ISO.format(Instant.ofEpochMilli(millis));
  }

  /** A page as the client and the scripts read it: {@code total} an integer, {@code data} the rows. */
  static JsonObject page(long total, List<JsonObject> rows) {
    return new JsonObject().put("total", total).put("data", new JsonArray(new ArrayList<>(rows)));
  }

  /** Runs {@code step} for each item, one after the other; stops at the first failure. */
  static <T> Future<Void> each(List<T> items, Function<T, Future<?>> step) {
    Future<?> f = Future.succeededFuture();
    for (T item : items) {
      f = f.compose(x -> step.apply(item));
    }
    return f.mapEmpty();
  }
}
