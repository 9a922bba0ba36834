package dev.vertdesk.addressbook;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A peer of an address book as the client writes and reads it ({@code rustdesk/rustdesk:
 * flutter/lib/models/peer_model.dart}, {@code ab_model.dart}): every text field a string (a number
 * where the client expects a string fails its whole pull), {@code tags} a list of strings,
 * {@code forceAlwaysRelay} the string "true" or "false", {@code same_server} a boolean. Fields the
 * client does not know are dropped; wrong types are refused.
 */
public final class PeerFields {

  /** The string fields, kept as sent (a shared book's {@code password}, a personal book's {@code hash}). */
  static final List<String> TEXT = List.of("hash", "password", "username", "hostname", "platform", "alias",
      "rdpPort", "rdpUsername", "loginName", "device_group_name", "note");
  static final int MAX_ID = 256;
  static final int MAX_TEXT = 1024;
  static final int MAX_NOTE = 4096;
  static final int MAX_TAG = 128;
  static final int MAX_TAGS_PER_PEER = 100;
  /** The largest colour: unsigned 32-bit ARGB ({@code Color.value}). */
  static final long MAX_COLOR = 0xFFFF_FFFFL;

  /**
   * A peer from a request.
   *
   * @param data the fields other than {@code id} and {@code tags}; in an update a {@code null}
   *             value removes the field
   * @param tags the tags, {@code null} when the request did not name them
   */
  record Incoming(String id, JsonObject data, List<String> tags) {
  }

  private PeerFields() {
  }

  /** A peer to add (absent and null fields are left out) or an update (null removes). */
  static Incoming read(JsonObject body, boolean update) {
    String id = id(body.getValue("id"));
    JsonObject data = new JsonObject();
    for (String key : TEXT) {
      if (!body.containsKey(key)) {
        continue;
      }
      Object v = body.getValue(key);
      if (v == null) {
        if (update) {
          data.putNull(key);
        }
        continue;
      }
      if (!(v instanceof String s)) {
        throw bad(key + " must be a string");
      }
      int max = key.equals("note") ? MAX_NOTE : MAX_TEXT;
      if (s.length() > max) {
        throw bad(key + " is longer than " + max + " characters");
      }
      data.put(key, s);
    }
    if (body.containsKey("forceAlwaysRelay")) {
      Object v = body.getValue("forceAlwaysRelay");
      if (v == null) {
        if (update) {
          data.putNull("forceAlwaysRelay");
        }
      } else if (v instanceof Boolean b) {
        data.put("forceAlwaysRelay", b.toString());
      } else if ("true".equals(v) || "false".equals(v)) {
        data.put("forceAlwaysRelay", v);
      } else {
        throw bad("forceAlwaysRelay must be \"true\" or \"false\"");
      }
    }
    if (body.containsKey("same_server")) {
      Object v = body.getValue("same_server");
      if (v == null) {
        if (update) {
          data.putNull("same_server");
        }
      } else if (v instanceof Boolean b) {
        data.put("same_server", b);
      } else {
        throw bad("same_server must be true, false or null");
      }
    }
    List<String> tags = body.containsKey("tags") ? tags(body.getValue("tags"), "tags", MAX_TAGS_PER_PEER) : null;
    return new Incoming(id, data, tags);
  }

  /** A peer ID: a non-empty string of at most {@link #MAX_ID} characters, no control characters. */
  static String id(Object v) {
    if (!(v instanceof String s) || s.isEmpty() || s.length() > MAX_ID || s.codePoints().anyMatch(Character::isISOControl)) {
      throw bad("id must be a string of 1 to " + MAX_ID + " characters");
    }
    return s;
  }

  /** Tag names: an array (or null, none) of distinct names, at most {@code max}. */
  static List<String> tags(Object v, String what, int max) {
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray a) || a.size() > max) {
      throw bad(what + " must be an array of no more than " + max + " tag names");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object t : a) {
      out.add(tag(t, what));
    }
    return new ArrayList<>(out);
  }

  /** A tag name: 1 to {@link #MAX_TAG} characters, no control characters. */
  static String tag(Object v, String what) {
    if (!(v instanceof String s) || s.isEmpty() || s.length() > MAX_TAG
        || s.codePoints().anyMatch(Character::isISOControl)) {
      throw bad(what + ": a tag name is a string of 1 to " + MAX_TAG + " characters");
    }
    return s;
  }

  /** A tag colour: an integer 0 to 2^32 − 1 (values above 2^31 are the usual opaque ones). */
  static long color(Object v) {
    if (v instanceof Integer || v instanceof Long) {
      long c = ((Number) v).longValue();
      if (c >= 0 && c <= MAX_COLOR) {
        return c;
      }
    }
    throw bad("color must be an integer from 0 to " + MAX_COLOR + " (32-bit ARGB)");
  }

  /** Stored fields updated by an incoming update: null values remove. */
  static JsonObject merged(JsonObject stored, JsonObject changes) {
    JsonObject out = stored.copy();
    for (Map.Entry<String, Object> e : changes) {
      if (e.getValue() == null) {
        out.remove(e.getKey());
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** The peer as the client reads it: its stored fields, {@code id} and {@code tags}. */
  static JsonObject shown(String id, String data, String tags) {
    return new JsonObject(data).put("id", id).put("tags", new JsonArray(tags));
  }

  static AccountException bad(String message) {
    return new AccountException(Kind.BAD_REQUEST, message);
  }
}
