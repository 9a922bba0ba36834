package dev.vertdesk.events;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** The domain-event addresses, read from {@link Addresses} so that new events are picked up. */
public final class EventAddresses {

  private static final List<String> ALL = scan();

  private EventAddresses() {
  }

  /** Every {@code vertdesk.event.*} address constant. */
  public static List<String> all() {
    return ALL;
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
