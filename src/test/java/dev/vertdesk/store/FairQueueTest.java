package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The store's queue: bounded, round-robin across sources, the longest lane pays when full. */
class FairQueueTest {

  private static final List<String> NONE = List.of();

  private static List<String> pushedOut(FairQueue<String> q, String source, String item, boolean admitted) {
    List<String> out = new ArrayList<>();
    assertEquals(admitted, q.offer(source, item, out::add), source + " " + item);
    return out;
  }

  @Test
  void servesOneItemPerSourceInTurn() {
    FairQueue<String> q = new FairQueue<>(100, 100);
    for (int i = 0; i < 5; i++) {
      pushedOut(q, "flood", "f" + i, true);
    }
    pushedOut(q, "other", "o0", true);
    pushedOut(q, "third", "t0", true);
    assertEquals(List.of("f0", "o0", "t0", "f1"), q.take(4));
    assertEquals(List.of("f2", "f3", "f4"), q.take(10));
    assertEquals(0, q.size());
    assertEquals(0, q.sources());
  }

  @Test
  void aSourceArrivingBehindALongLaneIsServedInTheNextBatch() {
    FairQueue<String> q = new FairQueue<>(10_000, 10_000);
    for (int i = 0; i < 5_000; i++) {
      pushedOut(q, "flood", "f" + i, true);
    }
    assertEquals(512, q.take(512).size());
    pushedOut(q, "device", "d", true);
    assertTrue(q.take(512).contains("d"));
  }

  @Test
  void aLaneHoldsAtMostItsShare() {
    FairQueue<String> q = new FairQueue<>(100, 3);
    for (int i = 0; i < 3; i++) {
      pushedOut(q, "a", "a" + i, true);
    }
    assertFalse(q.admits("a"));
    pushedOut(q, "a", "a3", false);
    assertTrue(q.admits("b"));
    pushedOut(q, "b", "b0", true);
    assertEquals(4, q.size());
  }

  @Test
  void whenFullTheNewestItemOfTheLongestLaneMakesRoom() {
    FairQueue<String> q = new FairQueue<>(6, 6);
    for (int i = 0; i < 5; i++) {
      pushedOut(q, "flood", "f" + i, true);
    }
    pushedOut(q, "x", "x0", true);
    assertEquals(6, q.size());
    assertTrue(q.admits("y"));
    assertEquals(List.of("f4"), pushedOut(q, "y", "y0", true));
    assertEquals(6, q.size());
    // x holds 1 and the longest lane 4: x may still push one out, but not grow to the longest
    assertEquals(List.of("f3"), pushedOut(q, "x", "x1", true));
    assertFalse(q.admits("x"), "x (2) is not shorter than the longest lane (3) by two");
    pushedOut(q, "x", "x2", false);
    assertEquals(List.of("f2"), pushedOut(q, "z", "z0", true));
    assertEquals(6, q.size());
    assertEquals(6, q.highWater());
    assertEquals(List.of("f0", "x0", "y0", "z0", "f1", "x1"), q.drain());
  }

  @Test
  void equalLanesWhenFullRefuseTheNewcomer() {
    FairQueue<String> q = new FairQueue<>(4, 4);
    for (String s : List.of("a", "b", "c", "d")) {
      pushedOut(q, s, s, true);
    }
    assertFalse(q.admits("e"));
    assertEquals(NONE, pushedOut(q, "e", "e", false));
    assertEquals(4, q.size());
  }

  @Test
  void drainEmptiesEverything() {
    FairQueue<String> q = new FairQueue<>(10, 5);
    pushedOut(q, "a", "a0", true);
    pushedOut(q, "b", "b0", true);
    pushedOut(q, "a", "a1", true);
    assertEquals(List.of("a0", "b0", "a1"), q.drain());
    assertEquals(0, q.size());
    assertEquals(0, q.sources());
    assertTrue(q.take(10).isEmpty());
  }

  /** Against a plain model: the bounds always hold, nothing is lost or duplicated, admits() tells the truth. */
  @Test
  void randomOperationsKeepTheBoundsAndLoseNothing() {
    Random random = new Random(42);
    int capacity = 50;
    int perLane = 20;
    FairQueue<Integer> q = new FairQueue<>(capacity, perLane);
    Map<String, List<Integer>> model = new HashMap<>();
    int next = 0;
    int refused = 0;
    int evictions = 0;
    for (int step = 0; step < 100_000; step++) {
      boolean filling = step / 500 % 2 == 0; // phases that fill the queue, and phases that empty it
      if (random.nextInt(10) < (filling ? 9 : 4)) {
        String source = "s" + (random.nextInt(10) < 6 ? 0 : random.nextInt(8));
        boolean admits = q.admits(source);
        List<Integer> out = new ArrayList<>();
        int item = next++;
        boolean taken = q.offer(source, item, out::add);
        assertEquals(admits, taken);
        refused += taken ? 0 : 1;
        evictions += out.size();
        if (taken) {
          model.computeIfAbsent(source, k -> new ArrayList<>()).add(item);
        }
        for (int dropped : out) {
          String owner = model.entrySet().stream().filter(e -> e.getValue().contains(dropped)).findFirst()
              .orElseThrow().getKey();
          List<Integer> lane = model.get(owner);
          assertEquals(dropped, lane.get(lane.size() - 1), "the newest of its lane");
          assertTrue(lane.size() - 1 > model.get(source).size() - 1, "from a longer lane than the newcomer's");
          lane.remove(lane.size() - 1);
        }
      } else {
        for (int item : q.take(1 + random.nextInt(3))) {
          String owner = model.entrySet().stream().filter(e -> e.getValue().contains(item)).findFirst()
              .orElseThrow().getKey();
          assertEquals(item, model.get(owner).remove(0), "oldest of its lane first");
        }
      }
      model.values().removeIf(List::isEmpty);
      int total = model.values().stream().mapToInt(List::size).sum();
      assertEquals(total, q.size());
      assertTrue(total <= capacity);
      assertTrue(model.values().stream().allMatch(l -> l.size() <= perLane));
      assertEquals(model.size(), q.sources());
    }
    assertEquals(capacity, q.highWater());
    assertTrue(refused > 0 && evictions > 0, "the full queue was exercised: " + refused + " refused, " + evictions
        + " pushed out");
  }
}
