package dev.vertdesk.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RepeatedLogTest {

  @Test
  void aRepeatedErrorIsLoggedOncePerIntervalWithItsCount() {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.vertdesk.test.repeated");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      AtomicLong now = new AtomicLong(1_000_000);
      RepeatedLog log = new RepeatedLog(logger, 10_000, now::get);
      for (int i = 0; i < 300; i++) {
        log.error("store-write", "peer store write failed: {}", "disk full");
        now.addAndGet(10);
      }
      assertEquals(1, lines.list.size(), "300 failures in 3 s: one line");
      assertEquals("peer store write failed: disk full", lines.list.get(0).getFormattedMessage());
      log.warn("other", "another kind");
      assertEquals(2, lines.list.size(), "another key is logged at once");

      now.addAndGet(10_000);
      log.error("store-write", "peer store write failed: {}", "disk full");
      assertEquals(3, lines.list.size());
      assertTrue(lines.list.get(2).getFormattedMessage().endsWith("(299 more like it in the last 10 s)"),
          lines.list.get(2).getFormattedMessage());

      logger.setAdditive(false); // keep the next few hundred lines out of the build output
      for (int i = 0; i < RepeatedLog.MAX_KEYS + 8; i++) {
        log.info("k" + i, "x");
      }
      assertEquals(3 + RepeatedLog.MAX_KEYS + 8, lines.list.size(), "every new key is logged; the table stays bounded");
      log.error("store-write", "again");
      assertEquals(4 + RepeatedLog.MAX_KEYS + 8, lines.list.size(), "an evicted key counts as new");
    } finally {
      logger.setAdditive(true);
      logger.detachAppender(lines);
    }
  }
}
