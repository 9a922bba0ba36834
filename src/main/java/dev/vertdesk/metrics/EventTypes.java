package dev.vertdesk.metrics;

import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventAddresses;
import java.util.List;

/** The domain-event addresses and the event type each one carries. */
public final class EventTypes {

  private EventTypes() {
  }

  /** Every {@code vertdesk.event.*} address constant. */
  public static List<String> addresses() {
    return EventAddresses.all();
  }

  /** The event type of an address: the part after {@code vertdesk.event.}. */
  public static String type(String address) {
    return address.substring(Addresses.EVENT_PREFIX.length());
  }
}
