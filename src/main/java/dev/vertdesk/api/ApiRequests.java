package dev.vertdesk.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Reading what a client sent, whatever it sent: a body must be a JSON object within the nesting
 * limit, and every field has the type the route expects, else the request is answered 400 with a
 * plain reason. Nothing here throws anything but {@link BadRequest}.
 */
final class ApiRequests {

  /** A client error: answered 400 with this message, logged at most at debug. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private ApiRequests() {
  }

  /** The body as a JSON object; an empty body is an empty object. */
  static JsonObject object(RoutingContext rc, int maxDepth) {
    Buffer body = rc.body() == null ? null : rc.body().buffer();
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    if (depth(body) > maxDepth) {
      throw new BadRequest("JSON nested deeper than " + maxDepth + " levels");
    }
    int i = 0;
    while (i < body.length() && Character.isWhitespace(body.getByte(i))) {
      i++;
    }
    if (i == body.length() || body.getByte(i) != '{') {
      throw new BadRequest("expected a JSON object");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new BadRequest("the body is not valid JSON");
    }
  }

  /**
   * The deepest nesting of arrays and objects in a JSON text, counted before parsing so that a
   * hostile body never reaches the parser's recursion.
   */
  static int depth(Buffer body) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    boolean escaped = false;
    for (int i = 0, n = body.length(); i < n; i++) {
      byte b = body.getByte(i);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        max = Math.max(max, ++depth);
      } else if (b == '}' || b == ']') {
        depth--;
      }
    }
    return max;
  }

  /** A string field, {@code ""} when absent or null; a string no longer than {@code max}. */
  static String text(JsonObject o, String key, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String s)) {
      throw new BadRequest(key + " must be a string");
    }
    if (s.length() > max) {
      throw new BadRequest(key + " is longer than " + max + " characters");
    }
    return s;
  }

  /** A boolean field; {@code def} when absent. */
  static boolean bool(JsonObject o, String key, boolean def) {
    Object v = o.getValue(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof Boolean b)) {
      throw new BadRequest(key + " must be true or false");
    }
    return b;
  }

  /** An object field, empty when absent or null. */
  static JsonObject object(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (v == null) {
      return new JsonObject();
    }
    if (!(v instanceof JsonObject j)) {
      throw new BadRequest(key + " must be an object");
    }
    return j;
  }

  /** The bearer token of {@code Authorization}, or {@code null}. */
  static String bearer(RoutingContext rc) {
    String h = rc.request().getHeader("Authorization");
    if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return h.substring(7).trim();
  }
}
