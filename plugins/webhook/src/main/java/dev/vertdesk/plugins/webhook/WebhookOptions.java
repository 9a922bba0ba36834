package dev.vertdesk.plugins.webhook;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.ConfigBlock;
import dev.vertdesk.events.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The webhook's settings ({@code verticles.webhook.config}).
 *
 * @param url              where events are POSTed ({@code http} or {@code https}); required
 * @param addresses        the event-bus addresses subscribed, resolved from {@code events}
 * @param timeoutMillis    one attempt (connect + response) may take this long
 * @param maxAttempts      attempts per event before it counts as failed
 * @param backoffMillis    wait before the first retry; doubled for each further one
 * @param maxBackoffMillis longest wait between attempts (also caps {@code Retry-After})
 * @param queueSize        events waiting (the one being sent included); more are dropped
 * @param headers          extra request headers (e.g. {@code Authorization})
 * @param secret           when set, {@code X-Vertdesk-Signature: sha256=<hex HMAC of the body>}
 * @param clusterWide      receive every node's events, not only this node's
 */
public record WebhookOptions(URI url, List<String> addresses, int timeoutMillis, int maxAttempts,
                             long backoffMillis, long maxBackoffMillis, int queueSize,
                             Map<String, String> headers, String secret, boolean clusterWide) {

  /** Every key of the block. */
  static final Set<String> KEYS = Set.of("url", "events", "timeoutMillis", "maxAttempts", "backoffMillis",
      "maxBackoffMillis", "queueSize", "headers", "secret", "clusterWide");

  static WebhookOptions from(ConfigBlock block) {
    block.rejectUnknown(KEYS);
    String url = block.string("url");
    if (url.isEmpty()) {
      throw new ConfigException(block.path("url"), "must be set (the URL events are POSTed to)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException(block.path("url"), "not a URL: " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new ConfigException(block.path("url"), "expected an http:// or https:// URL, got " + url);
    }
    int timeout = block.integer("timeoutMillis", 5_000, 100, 600_000);
    int attempts = block.integer("maxAttempts", 5, 1, 1_000);
    int backoff = block.integer("backoffMillis", 1_000, 1, 3_600_000);
    int maxBackoff = block.integer("maxBackoffMillis", 60_000, 1, 86_400_000);
    if (maxBackoff < backoff) {
      throw new ConfigException(block.path("maxBackoffMillis"), maxBackoff + " is below backoffMillis " + backoff);
    }
    int queue = block.integer("queueSize", 1_000, 1, 10_000_000);
    List<String> events = block.list("events");
    return new WebhookOptions(uri, resolve(block, events.isEmpty() ? List.of("*") : events), timeout, attempts,
        backoff, maxBackoff, queue, headers(block), block.string("secret"), block.bool("clusterWide", false));
  }

  /** Every domain-event address Vertdesk declares ({@code vertdesk.event.*} constants). */
  static Set<String> knownEvents() {
    Set<String> out = new LinkedHashSet<>();
    for (Field f : Addresses.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          String v = (String) f.get(null);
          if (v.startsWith(Addresses.EVENT_PREFIX) && !v.equals(Addresses.EVENT_PREFIX)) {
            out.add(v);
          }
        } catch (IllegalAccessException e) {
          // public constant: cannot happen
        }
      }
    }
    return out;
  }

  /**
   * {@code events} entries are event names after {@code vertdesk.event.} ({@code peer.online}),
   * prefixes ending in {@code *} ({@code relay.*}) or {@code *} for every event; a full
   * {@code vertdesk.event.} address is accepted too.
   */
  static List<String> resolve(ConfigBlock block, List<String> entries) {
    Set<String> known = knownEvents();
    Set<String> out = new LinkedHashSet<>();
    for (String raw : entries) {
      String e = raw.startsWith(Addresses.EVENT_PREFIX) ? raw.substring(Addresses.EVENT_PREFIX.length()) : raw;
      if (e.endsWith("*")) {
        String prefix = Addresses.EVENT_PREFIX + e.substring(0, e.length() - 1);
        List<String> matched = known.stream().filter(a -> a.startsWith(prefix)).toList();
        if (matched.isEmpty()) {
          throw new ConfigException(block.path("events"), "'" + raw + "' matches no event; events: "
              + String.join(", ", known.stream().map(a -> a.substring(Addresses.EVENT_PREFIX.length())).toList()));
        }
        out.addAll(matched);
      } else if (e.isEmpty()) {
        throw new ConfigException(block.path("events"), "empty event name");
      } else {
        // an event this build does not declare (a newer server, another plugin) is subscribed as is
        out.add(Addresses.EVENT_PREFIX + e);
      }
    }
    if (out.isEmpty()) {
      throw new ConfigException(block.path("events"), "selects no event");
    }
    return List.copyOf(out);
  }

  private static Map<String, String> headers(ConfigBlock block) {
    Object v = block.values().getValue("headers");
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof JsonObject o)) {
      throw new ConfigException(block.path("headers"), "expected an object of header names to values");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      if (e.getValue() instanceof JsonObject || e.getValue() instanceof JsonArray || e.getValue() == null) {
        throw new ConfigException(block.path("headers") + "." + e.getKey(), "expected a string");
      }
      out.put(e.getKey(), e.getValue().toString());
    }
    return Map.copyOf(out);
  }
}
