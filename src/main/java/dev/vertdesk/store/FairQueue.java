package dev.vertdesk.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A bounded queue served fairly across sources (client networks): each source has a lane of its
 * own, and batches are taken round-robin, one item per lane per turn, so that a source that has
 * just arrived is served within one turn however long the other lanes are. It holds at most
 * {@code capacity} items, at most {@code perLane} of them in one lane. When it is full, an item
 * from a lane shorter than the longest one pushes out the newest item of a longest lane: the
 * flooding network loses its latest request, not the newcomer. Not thread-safe.
 *
 * @param <T> what is queued
 */
final class FairQueue<T> {

  private static final class Lane<T> {
    final String source;
    final ArrayDeque<T> items = new ArrayDeque<>(4);

    Lane(String source) {
      this.source = source;
    }
  }

  private final int capacity;
  private final int perLane;
  private final Map<String, Lane<T>> lanes = new HashMap<>();
  /** Lanes with items, in the order they are served. */
  private final ArrayDeque<Lane<T>> turns = new ArrayDeque<>();
  /** Lanes by their length (1..perLane), so that a longest lane is found at once when full. */
  private final Map<Integer, LinkedHashSet<Lane<T>>> byLength = new HashMap<>();
  private int longest;
  private int size;
  private int highWater;

  FairQueue(int capacity, int perLane) {
    if (capacity < 1 || perLane < 1 || perLane > capacity) {
      throw new IllegalArgumentException("capacity " + capacity + ", per lane " + perLane);
    }
    this.capacity = capacity;
    this.perLane = perLane;
  }

  /** Whether an item from {@code source} would be taken now (possibly pushing out another one). */
  boolean admits(String source) {
    Lane<T> lane = lanes.get(source);
    int length = lane == null ? 0 : lane.items.size();
    return length < perLane && (size < capacity || longest > length + 1);
  }

  /**
   * Queues {@code item} in the lane of {@code source}.
   *
   * @param pushedOut receives the item this one pushed out, if any
   * @return false when the item was refused (its lane or the queue is full)
   */
  boolean offer(String source, T item, Consumer<T> pushedOut) {
    if (!admits(source)) {
      return false;
    }
    T dropped = null;
    if (size >= capacity) {
      Lane<T> victim = byLength.get(longest).iterator().next();
      dropped = victim.items.pollLast();
      size--;
      shrunk(victim); // longer than the newcomer's lane by two or more: never empty here
    }
    Lane<T> lane = lanes.get(source);
    if (lane == null) {
      lane = new Lane<>(source);
      lanes.put(source, lane);
      turns.addLast(lane);
    }
    lane.items.addLast(item);
    size++;
    highWater = Math.max(highWater, size);
    grew(lane);
    if (dropped != null) {
      pushedOut.accept(dropped);
    }
    return true;
  }

  /** Up to {@code max} items, one per lane per turn. */
  List<T> take(int max) {
    List<T> out = new ArrayList<>(Math.min(max, size));
    while (out.size() < max && !turns.isEmpty()) {
      Lane<T> lane = turns.pollFirst();
      out.add(lane.items.pollFirst());
      size--;
      shrunk(lane);
      if (lane.items.isEmpty()) {
        lanes.remove(lane.source);
      } else {
        turns.addLast(lane);
      }
    }
    return out;
  }

  /** Everything queued; the queue is empty afterwards. */
  List<T> drain() {
    List<T> out = take(Integer.MAX_VALUE);
    highWater = 0;
    return out;
  }

  int size() {
    return size;
  }

  /** The most items held at once so far. */
  int highWater() {
    return highWater;
  }

  /** Sources with queued items. */
  int sources() {
    return lanes.size();
  }

  private void grew(Lane<T> lane) {
    int n = lane.items.size();
    if (n > 1) {
      byLength.get(n - 1).remove(lane);
      if (byLength.get(n - 1).isEmpty()) {
        byLength.remove(n - 1);
      }
    }
    byLength.computeIfAbsent(n, k -> new LinkedHashSet<>()).add(lane);
    longest = Math.max(longest, n);
  }

  private void shrunk(Lane<T> lane) {
    int n = lane.items.size();
    LinkedHashSet<Lane<T>> before = byLength.get(n + 1);
    before.remove(lane);
    if (before.isEmpty()) {
      byLength.remove(n + 1);
      if (longest == n + 1) {
        longest = n; // this lane now holds n, and no lane holds more
      }
    }
    if (n > 0) {
      byLength.computeIfAbsent(n, k -> new LinkedHashSet<>()).add(lane);
    }
  }
}
