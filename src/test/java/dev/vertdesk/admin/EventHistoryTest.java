package dev.vertdesk.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertdesk.events.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The IP-change list of the admin surface under a registration storm. */
class EventHistoryTest {

  private static JsonObject registered(String id, String ip) {
    return new JsonObject().put("id", id).put("ip", ip);
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void registrationStormBeyondCapacityStaysCheap() {
    // once the list is full, each registration must not walk it (that held a 1M-device
    // registration run at 800/s); 300 000 registrations take well under a second when it doesn't
    AtomicLong now = new AtomicLong(1_000_000);
    EventHistory history = new EventHistory(now::get);
    for (int i = 0; i < 3 * EventHistory.IP_CHANGE_CAPACITY; i++) {
      history.accept(Addresses.PEER_REGISTERED, registered("id" + i, "10.0.0.1"));
      now.incrementAndGet();
    }
    history.accept(Addresses.PEER_REGISTERED, registered("id" + (3 * EventHistory.IP_CHANGE_CAPACITY - 1), "10.0.0.2"));
    JsonObject changes = history.ipChanges(null, 0, 10);
    assertEquals(1, changes.getInteger("total"), "the newest ID with two addresses is kept");
  }

  @Test
  void expiredWindowsAreDroppedAndAChangeIsListed() {
    AtomicLong now = new AtomicLong(1_000_000);
    EventHistory history = new EventHistory(now::get);
    history.accept(Addresses.PEER_REGISTERED, registered("aaaaaa", "10.0.0.1"));
    history.accept(Addresses.PEER_REGISTERED, registered("aaaaaa", "10.0.0.2"));
    assertEquals(1, history.ipChanges(null, 0, 10).getInteger("total"));
    now.addAndGet(EventHistory.IP_CHANGE_WINDOW_MILLIS + 1);
    assertEquals(0, history.ipChanges(null, 0, 10).getInteger("total"), "outside the window");
  }
}
