package dev.vertdesk.registry;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The IDs an admin disabled, held in memory by every node so that registration and signaling
 * refuse them without a database read per datagram. Loaded from the device inventory when the
 * node opens its database and kept current by the announcements of the API nodes. Safe to use
 * from any thread.
 */
public final class DisabledDevices {

  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final List<Consumer<String>> onDisabled = new CopyOnWriteArrayList<>();

  public boolean contains(String id) {
    return ids.contains(id);
  }

  /** Refuses {@code id} from now on; tells the listeners when it was not refused before. */
  public void disable(String id) {
    if (ids.add(id)) {
      onDisabled.forEach(l -> l.accept(id));
    }
  }

  public void enable(String id) {
    ids.remove(id);
  }

  /** Makes the set exactly {@code current} (a fresh read of the inventory). */
  public void replaceAll(Collection<String> current) {
    Set<String> keep = new HashSet<>(current);
    ids.removeIf(id -> !keep.contains(id));
    keep.forEach(this::disable);
  }

  /** {@code action} runs with each ID that becomes disabled, on the thread that disabled it. */
  public void onDisabled(Consumer<String> action) {
    onDisabled.add(action);
  }

  public int size() {
    return ids.size();
  }
}
