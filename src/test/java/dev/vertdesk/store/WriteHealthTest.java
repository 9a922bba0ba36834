package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class WriteHealthTest {

  @Test
  void aFailureCountsForTheHoldTimeThenIsForgotten() {
    WriteHealth h = new WriteHealth(10_000);
    assertNull(h.problem(0));
    h.failed(1_000, new IOException("disk full"));
    String problem = h.problem(3_500);
    assertTrue(problem.contains("disk full") && problem.contains("2 s ago"), problem);
    assertTrue(h.problem(10_999) != null);
    assertNull(h.problem(11_000));
    h.failed(20_000, new IOException("again"));
    assertTrue(h.problem(20_000).contains("again"));
  }
}
