package dev.vertdesk.api;

import dev.vertdesk.api.ApiRequests.BadRequest;
import dev.vertdesk.db.Page;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reading the admin API's requests: query filters and pages, JSON arrays of guids or IDs, integers.
 * Like {@link ApiRequests}, anything malformed is a {@link BadRequest} (400) with a plain reason.
 */
final class AdminRequests {

  /** The most items one batch request (members, guids) may name. */
  static final int MAX_ITEMS = 1000;
  /** The longest filter, guid or device ID a request may send. */
  static final int MAX_KEY = 256;

  private AdminRequests() {
  }

  /** {@code current} (from 1) and {@code pageSize}, defaults 1 and {@link Page#DEFAULT_SIZE}. */
  static Page page(RoutingContext rc) {
    int current = intParam(rc, "current", 1, 1, Page.MAX_CURRENT);
    int size = intParam(rc, "pageSize", Page.DEFAULT_SIZE, 1, Page.MAX_SIZE);
    return new Page(current, size);
  }

  /** A query parameter, {@code null} when absent or empty; given once, bounded, no control characters. */
  static String query(RoutingContext rc, String name) {
    List<String> values;
    try {
      values = rc.queryParam(name);
    } catch (HttpException | IllegalArgumentException malformed) {
      throw new BadRequest("the query string is not valid URL encoding");
    }
    if (values.isEmpty() || values.get(0).isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw new BadRequest(name + " is given more than once");
    }
    String v = values.get(0);
    if (v.length() > MAX_KEY) {
      throw new BadRequest(name + " is longer than " + MAX_KEY + " characters");
    }
    if (v.codePoints().anyMatch(Character::isISOControl)) {
      throw new BadRequest(name + " has control characters");
    }
    return v;
  }

  /** Whether the query names this parameter at all (the client's {@code accessible=}). */
  static boolean has(RoutingContext rc, String name) {
    try {
      return !rc.queryParam(name).isEmpty();
    } catch (HttpException | IllegalArgumentException malformed) {
      throw new BadRequest("the query string is not valid URL encoding");
    }
  }

  static int intParam(RoutingContext rc, String name, int def, int min, int max) {
    String v = query(rc, name);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new BadRequest(name + " must be an integer from " + min + " to " + max);
  }

  /** An optional integer query parameter within {@code min..max}; {@code null} when absent. */
  static Integer optionalInt(RoutingContext rc, String name, int min, int max) {
    return query(rc, name) == null ? null : intParam(rc, name, 0, min, max);
  }

  /** The body as a JSON array (Pro's batch calls send bare arrays), within the nesting limit. */
  static JsonArray array(RoutingContext rc, int maxDepth) {
    Buffer body = rc.body() == null ? null : rc.body().buffer();
    if (body == null || body.length() == 0) {
      throw new BadRequest("expected a JSON array");
    }
    if (ApiRequests.depth(body) > maxDepth) {
      throw new BadRequest("JSON nested deeper than " + maxDepth + " levels");
    }
    int i = 0;
    while (i < body.length() && Character.isWhitespace(body.getByte(i))) {
      i++;
    }
    if (i == body.length() || body.getByte(i) != '[') {
      throw new BadRequest("expected a JSON array");
    }
    try {
      return new JsonArray(body);
    } catch (DecodeException | ClassCastException e) {
      throw new BadRequest("the body is not valid JSON");
    }
  }

  /**
   * Strings naming things (guids, device IDs): 1 to {@link #MAX_ITEMS} of them, each non-empty,
   * at most {@link #MAX_KEY} characters, without control characters; duplicates count once.
   */
  static List<String> keys(JsonArray a, String what) {
    if (a == null) {
      throw new BadRequest(what + " must be an array of strings");
    }
    if (a.isEmpty() || a.size() > MAX_ITEMS) {
      throw new BadRequest(what + " must name 1 to " + MAX_ITEMS + " items");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s) || s.isEmpty() || s.length() > MAX_KEY
          || s.codePoints().anyMatch(Character::isISOControl)) {
        throw new BadRequest(what + " must be an array of non-empty strings of at most " + MAX_KEY + " characters");
      }
      out.add(s);
    }
    return new ArrayList<>(out);
  }

  /** An array field of an object, {@code null} when absent; a {@link BadRequest} when not an array. */
  static JsonArray arrayField(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw new BadRequest(key + " must be an array");
    }
    return a;
  }

  /** An integral number field; {@code def} when absent. */
  static int integer(JsonObject o, String key, int def, int min, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= min
        && n.doubleValue() <= max) {
      return n.intValue();
    }
    throw new BadRequest(key + " must be an integer from " + min + " to " + max);
  }

  /** A string field, {@code null} when absent (so that an edit can tell "unchanged" from "empty"). */
  static String optionalText(JsonObject o, String key, int max) {
    return o.getValue(key) == null ? null : ApiRequests.text(o, key, max);
  }

  /** A boolean field, {@code null} when absent. */
  static Boolean optionalBool(JsonObject o, String key) {
    return o.getValue(key) == null ? null : ApiRequests.bool(o, key, false);
  }

  /** A path parameter (a guid): bounded, no control characters. */
  static String pathKey(RoutingContext rc, String name) {
    String v = rc.pathParam(name);
    if (v == null || v.isEmpty() || v.length() > MAX_KEY || v.codePoints().anyMatch(Character::isISOControl)) {
      throw new BadRequest(name + " is not valid");
    }
    return v;
  }
}
