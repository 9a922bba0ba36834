package dev.vertdesk.admin;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * This node's event bus as Vert.x's own metrics count it ({@code vertx.eventbus.*}), one entry
 * per address: handlers, pending, processed, published, sent, received, delivered, discarded,
 * reply failures, split by side (local or remote) where Vert.x splits them. Without the address
 * label (metrics configured through {@code -options} without it) everything is under {@code *}.
 */
final class EventBusView {

  private static final String PREFIX = "vertx.eventbus.";

  private EventBusView() {
  }

  static JsonObject snapshot(MeterRegistry registry) {
    if (registry == null) {
      return new JsonObject().put("metrics", false);
    }
    Map<String, JsonObject> byAddress = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      String metric = camel(name.substring(PREFIX.length()));
      String address = m.getId().getTag("address");
      JsonObject entry = byAddress.computeIfAbsent(address == null ? "*" : address,
          a -> new JsonObject().put("address", a));
      double value = value(m);
      String side = m.getId().getTag("side");
      String sub = side != null ? side : m.getId().getTag("failure");
      if (sub == null) {
        entry.put(metric, tidy(number(entry.getValue(metric)) + value));
      } else {
        JsonObject split = entry.getValue(metric) instanceof JsonObject j ? j : new JsonObject();
        split.put(sub, tidy(number(split.getValue(sub)) + value));
        entry.put(metric, split);
      }
    }
    JsonArray addresses = new JsonArray();
    byAddress.values().forEach(addresses::add);
    return new JsonObject().put("metrics", true).put("addresses", addresses);
  }

  /** Whole numbers as longs, so JSON shows {@code 3} rather than {@code 3.0}. */
  private static Object tidy(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  /** A counter's count, a gauge's value, a summary's total amount (bytes). */
  private static double value(Meter m) {
    double count = 0;
    double total = Double.NaN;
    double value = Double.NaN;
    for (Measurement x : m.measure()) {
      Statistic s = x.getStatistic();
      if (s == Statistic.TOTAL || s == Statistic.TOTAL_TIME) {
        total = x.getValue();
      } else if (s == Statistic.VALUE) {
        value = x.getValue();
      } else if (s == Statistic.COUNT) {
        count = x.getValue();
      }
    }
    double v = !Double.isNaN(value) ? value : !Double.isNaN(total) ? total : count;
    return Double.isFinite(v) ? v : 0;
  }

  /** {@code reply.failures} → {@code replyFailures}. */
  private static String camel(String dotted) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : dotted.toCharArray()) {
      if (c == '.' || c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }
}
