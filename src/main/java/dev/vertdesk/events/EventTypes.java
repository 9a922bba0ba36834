package dev.vertdesk.events;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** The domain-event addresses, read from {@link Addresses} so that new events are picked up. */
public final class EventTypes {

  private static final List<String> ADDRESSES = scan();

  private EventTypes() {
  }

  /** Every {@code vertdesk.event.*} address constant. */
  public static List<String> addresses() {
    return ADDRESSES;
  }

  /** The event type of an address: the part after {@code vertdesk.event.}. */
  public static String type(String address) {
    return address.substring(Addresses.EVENT_PREFIX.length());
  }

  private static List<String> scan() {
    List<String> out = new ArrayList<>();
    for (Field f : Addresses.class.getFields()) {
      int m = f.getModifiers();
      if (Modifier.isStatic(m) && f.getType() == String.class) {
        try {
          String v = (String) f.get(null);
          if (v != null && v.startsWith(Addresses.EVENT_PREFIX) && v.length() > Addresses.EVENT_PREFIX.length()) {
            out.add(v);
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return List.copyOf(out);
  }
}
