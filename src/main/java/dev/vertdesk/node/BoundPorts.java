package dev.vertdesk.node;

import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ports this node's listeners actually bound, by listener name ({@code udp},
 * {@code signaling} ...): port 0 in the configuration means any free port, and tests, readiness
 * and the start-up line read the real one here.
 */
public final class BoundPorts {

  private final Map<String, Integer> ports = new ConcurrentHashMap<>();

  public void bound(String listener, int port) {
    ports.put(listener, port);
  }

  /** The listener closed its port (it drains or stops). */
  public void released(String listener) {
    ports.remove(listener);
  }

  public OptionalInt get(String listener) {
    Integer p = ports.get(listener);
    return p == null ? OptionalInt.empty() : OptionalInt.of(p);
  }

  public boolean has(String listener) {
    return ports.containsKey(listener);
  }

  /** Every bound listener, sorted by name. */
  public Map<String, Integer> all() {
    return new TreeMap<>(ports);
  }

  @Override
  public String toString() {
    return all().toString();
  }
}
