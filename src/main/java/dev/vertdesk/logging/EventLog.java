package dev.vertdesk.logging;

import dev.vertdesk.events.EventAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Logs every domain event this node publishes on logger {@code vertdesk.events}, with the
 * event's fields as key-value pairs (top-level fields in JSON lines): at INFO when logs are JSON
 * lines, at DEBUG in text. The message is {@code <type> key=value ...} either way.
 */
public final class EventLog {

  public static final String LOGGER = "vertdesk.events";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public EventLog start(Vertx vertx) {
    for (String address : EventAddresses.all()) {
      // local: what this node published; other members log their own
      consumers.add(vertx.eventBus().<JsonObject>localConsumer(address, m -> log(m.body())));
    }
    return this;
  }

  public void close() {
    consumers.forEach(MessageConsumer::unregister);
    consumers.clear();
  }

  static void log(JsonObject event) {
    Level level = LogFormat.json() ? Level.INFO : Level.DEBUG;
    if (event == null || !LOG.isEnabledForLevel(level)) {
      return;
    }
    String type = event.getString("type", "event");
    LoggingEventBuilder b = LOG.atLevel(level).addKeyValue("event", type);
    StringBuilder msg = new StringBuilder(type);
    for (Map.Entry<String, Object> f : event) {
      String k = f.getKey();
      if (k.equals("type") || k.equals("ts") || k.equals("node")) {
        continue;
      }
      Object v = f.getValue();
      b = b.addKeyValue(k, v);
      msg.append(' ').append(k).append('=').append(v);
    }
    Object node = event.getValue("node");
    if (node != null) {
      b = b.addKeyValue("node", node);
      msg.append(" node=").append(node);
    }
    b.log(msg.toString());
  }
}
