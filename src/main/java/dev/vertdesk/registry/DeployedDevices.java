package dev.vertdesk.registry;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With {@code devices.requireDeployment}, the IDs deployed through the API
 * ({@code POST /api/devices/deploy}), held in memory by every node that registers devices so that
 * a registration is admitted or answered NOT_DEPLOYED without a database read. Loaded from the
 * device inventory when the node opens its database and kept current by the API nodes'
 * announcements; empty and unused when deployment is not required. Safe from any thread.
 */
public final class DeployedDevices {

  private final boolean required;
  private final Set<String> ids = ConcurrentHashMap.newKeySet();

  public DeployedDevices(boolean required) {
    this.required = required;
  }

  public boolean required() {
    return required;
  }

  /** Whether {@code id} may register: always when deployment is not required. */
  public boolean admits(String id) {
    return !required || ids.contains(id);
  }

  public void add(String id) {
    if (required) {
      ids.add(id);
    }
  }

  public void remove(String id) {
    ids.remove(id);
  }

  /** Makes the set exactly {@code current} (a fresh read of the inventory). */
  public void replaceAll(Collection<String> current) {
    if (required) {
      Set<String> keep = Set.copyOf(current);
      ids.removeIf(id -> !keep.contains(id));
      ids.addAll(keep);
    }
  }

  public int size() {
    return ids.size();
  }
}
