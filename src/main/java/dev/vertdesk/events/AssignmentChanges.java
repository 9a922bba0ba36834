package dev.vertdesk.events;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Announces on {@link Addresses#ASSIGNMENTS_CHANGED} that cached assignments or rules no longer
 * hold, to every node of a cluster (this one included, through its own consumers).
 */
public final class AssignmentChanges {

  private final EventBus bus;

  public AssignmentChanges(EventBus bus) {
    this.bus = bus;
  }

  /** What these devices are assigned changed (owner, device group, strategy). */
  public void devices(Collection<String> ids) {
    if (!ids.isEmpty()) {
      bus.publish(Addresses.ASSIGNMENTS_CHANGED, new JsonObject().put("ids", new JsonArray(List.copyOf(ids))));
    }
  }

  /** Strategies, the assignments of users and groups, or the access rules changed. */
  public void all() {
    bus.publish(Addresses.ASSIGNMENTS_CHANGED, new JsonObject());
  }

  /** The device IDs of an announcement, or {@code null} when it concerns everything (or is malformed: the same). */
  public static List<String> ids(JsonObject body) {
    Object ids = body == null ? null : body.getValue("ids");
    if (!(ids instanceof JsonArray a)) {
      return null;
    }
    List<String> out = new ArrayList<>(a.size());
    for (Object o : a) {
      if (!(o instanceof String s)) {
        return null;
      }
      out.add(s);
    }
    return out;
  }
}
