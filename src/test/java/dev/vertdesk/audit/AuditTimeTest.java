package dev.vertdesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The filter times of Pro's scripts and their variants, UTC. */
class AuditTimeTest {

  @Test
  void theFormsProsScriptsAndPeopleSendAreRead() {
    long expected = 1_758_032_157_000L; // 2025-09-16T14:15:57Z
    assertEquals(expected, AuditTime.parse("2025-09-16 14:15:57.000"));
    assertEquals(expected, AuditTime.parse("2025-09-16 14:15:57"));
    assertEquals(expected, AuditTime.parse("2025-09-16T14:15:57Z"));
    assertEquals(expected + 250, AuditTime.parse("2025-09-16T14:15:57.250Z"));
    assertEquals(1_757_980_800_000L, AuditTime.parse("2025-09-16"));
    for (String bad : new String[] {"yesterday", "2025-13-01", "2025-09-16 25:00:00", "1758032157", "' or 1=1"}) {
      assertThrows(IllegalArgumentException.class, () -> AuditTime.parse(bad), bad);
    }
  }
}
