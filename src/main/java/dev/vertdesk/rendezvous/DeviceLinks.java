package dev.vertdesk.rendezvous;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Devices registered over a TCP or WebSocket connection (TCP-mode registration, docs/protocol.md
 * §6.5) on this node: server-to-device messages for them go over that connection, not UDP.
 */
public final class DeviceLinks {

  private final ConcurrentHashMap<String, SignalingConnection> links = new ConcurrentHashMap<>();

  /** Attaches {@code id} to {@code c}; a previous connection of the same device is replaced. */
  public void attach(String id, SignalingConnection c) {
    SignalingConnection old = links.put(id, c);
    if (old != null && old != c) {
      old.close();
    }
  }

  /** Detaches {@code id} if it is still attached to {@code c}; true when it was. */
  public boolean detach(String id, SignalingConnection c) {
    return links.remove(id, c);
  }

  public SignalingConnection get(String id) {
    return links.get(id);
  }

  public void forEach(java.util.function.BiConsumer<String, SignalingConnection> action) {
    links.forEach(action);
  }
}
