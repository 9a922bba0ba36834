package dev.vertdesk.relay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live relay sessions of one node (the relay's "usage"): both ends, bytes each way, start
 * time and current rate. Shared by every instance of the relay verticle on the node; safe to
 * read from any thread.
 */
public final class RelaySessions {

  private final ConcurrentHashMap<String, RelaySession> live = new ConcurrentHashMap<>();
  private final RelayHub hub;

  RelaySessions(RelayHub hub) {
    this.hub = hub;
  }

  void add(RelaySession s) {
    live.put(s.id(), s);
  }

  void remove(RelaySession s) {
    live.remove(s.id(), s);
  }

  /** Paired sessions now running. */
  public int size() {
    return live.size();
  }

  /** Connections that presented a uuid and wait for their partner. */
  public int waiting() {
    return hub.waitingCount();
  }

  /** Every live session, the busiest (most bytes) first, as hbbr's {@code usage} sorts them. */
  public List<RelaySessionInfo> list() {
    List<RelaySessionInfo> out = new ArrayList<>(live.size());
    for (RelaySession s : live.values()) {
      out.add(s.info());
    }
    out.sort(Comparator.comparingLong(
        (RelaySessionInfo i) -> i.bytesFirstToSecond() + i.bytesSecondToFirst()).reversed());
    return out;
  }

  public Optional<RelaySessionInfo> get(String id) {
    RelaySession s = live.get(id);
    return s == null ? Optional.empty() : Optional.of(s.info());
  }

  /** Ends a session (e.g. from an admin API); false when no such session is live. */
  public boolean end(String id, String reason) {
    RelaySession s = live.get(id);
    if (s == null) {
      return false;
    }
    s.end(reason, false);
    return true;
  }
}
