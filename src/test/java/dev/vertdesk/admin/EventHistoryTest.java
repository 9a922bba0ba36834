package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.events.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The IP-change list of the admin surface. */
class EventHistoryTest {

  private static JsonObject registered(String id, String ip, String previousIp) {
    JsonObject e = new JsonObject().put("id", id).put("ip", ip);
    return previousIp == null ? e : e.put("previousIp", previousIp);
  }

  @Test
  void onlyIdsThatMovedAreKept() {
    AtomicLong now = new AtomicLong(1_000_000);
    EventHistory history = new EventHistory(now::get);
    history.accept(Addresses.PEER_REGISTERED, registered("aaaaaa", "10.0.0.1", null));
    history.accept(Addresses.PEER_REGISTERED, registered("bbbbbb", "10.0.0.5", null));
    assertEquals(0, history.ipChanges(null, 0, 10).getInteger("total"), "devices that stay put cost nothing");
    history.accept(Addresses.PEER_REGISTERED, registered("aaaaaa", "10.0.0.2", "10.0.0.1"));
    history.accept(Addresses.PEER_REGISTERED, registered("aaaaaa", "10.0.0.1", "10.0.0.2"));
    JsonObject changes = history.ipChanges(null, 0, 10);
    assertEquals(1, changes.getInteger("total"));
    JsonObject ips = changes.getJsonArray("changes").getJsonObject(0).getJsonObject("ips");
    assertEquals(2, ips.getInteger("10.0.0.1"));
    assertEquals(1, ips.getInteger("10.0.0.2"));
    now.addAndGet(EventHistory.IP_CHANGE_WINDOW_MILLIS + 1);
    assertEquals(0, history.ipChanges(null, 0, 10).getInteger("total"), "outside the window");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void changeStormBeyondCapacityStaysCheapAndBounded() {
    // once the list is full, a change must not walk it: 300 000 take well under a second
    AtomicLong now = new AtomicLong(1_000_000);
    EventHistory history = new EventHistory(now::get);
    int n = 3 * EventHistory.IP_CHANGE_CAPACITY;
    for (int i = 0; i < n; i++) {
      history.accept(Addresses.PEER_REGISTERED, registered("id" + i, "10.0.0.2", "10.0.0.1"));
      now.incrementAndGet();
    }
    JsonObject changes = history.ipChanges(null, 0, 1);
    assertEquals(EventHistory.IP_CHANGE_CAPACITY, changes.getInteger("total"), "capped");
    assertEquals("id" + (n - EventHistory.IP_CHANGE_CAPACITY),
        changes.getJsonArray("changes").getJsonObject(0).getString("id"), "the oldest were dropped");
  }
}
