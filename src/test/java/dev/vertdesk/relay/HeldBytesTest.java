package dev.vertdesk.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vertdesk.logging.RepeatedLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The node's held-bytes ledger: shares, the cap, who is shed, counts and the rate-limited log. */
class HeldBytesTest {

  static final long MIB = 1 << 20;

  /** Accounts that record what they were shed with. */
  static final class Holders {
    final HeldBytes held;
    final List<Long> shed = new ArrayList<>();
    final List<String> shedWho = new ArrayList<>();

    Holders(long max) {
      held = new HeldBytes(max);
    }

    HeldBytes.Account account(String who) {
      return held.account(bytes -> {
        synchronized (shed) {
          shed.add(bytes);
          shedWho.add(who);
        }
      });
    }
  }

  @Test
  void sharesAddUpAndCloseGivesThemBack() {
    Holders h = new Holders(10 * MIB);
    HeldBytes.Account a = h.account("a");
    HeldBytes.Account b = h.account("b");
    a.set(3 * MIB);
    b.set(2 * MIB);
    b.queue(MIB);
    assertEquals(6 * MIB, h.held.total());
    assertEquals(3 * MIB, b.held());
    a.set(MIB);
    b.unqueue(MIB);
    assertEquals(3 * MIB, h.held.total());
    a.close();
    a.set(5 * MIB); // a closed account stays at 0
    assertEquals(2 * MIB, h.held.total());
    b.close();
    b.unqueue(MIB); // a write completing after the close changes nothing
    assertEquals(0, h.held.total());
    assertEquals(List.of(), h.shed, "never over the cap");
  }

  @Test
  void aStalledWriteQueueCountsOnceWithTheLargeMessagesInIt() {
    Holders h = new Holders(10 * MIB);
    HeldBytes.Account a = h.account("a");
    a.set(MIB);
    a.queue(2 * MIB);
    a.stall(512 * 1024); // a queue past its mark holding less than the large messages counted
    assertEquals(3 * MIB, h.held.total());
    a.stall(5 * MIB); // the queue holds more than its large messages
    assertEquals(6 * MIB, h.held.total());
    a.stall(0); // the client keeps up again
    a.unqueue(2 * MIB);
    assertEquals(MIB, h.held.total());
  }

  @Test
  void overTheCapTheLargestHoldersAreShedNotTheOneThatGrew() {
    Holders h = new Holders(10 * MIB);
    HeldBytes.Account big = h.account("big");
    HeldBytes.Account mid = h.account("mid");
    HeldBytes.Account small = h.account("small");
    big.set(6 * MIB);
    mid.set(3 * MIB);
    small.set(512 * 1024);
    assertEquals(List.of(), h.shed);
    small.set(2 * MIB); // 11 MiB: the small one grew, the big one goes
    assertEquals(List.of("big"), h.shedWho);
    assertEquals(List.of(6 * MIB), h.shed);
    assertEquals(5 * MIB, h.held.total());
    assertEquals(0, big.held());

    // a queued message can take the node over too; shedding goes on until the rest fits
    HeldBytes.Account reader = h.account("reader");
    reader.queue(8 * MIB); // 13 MiB: reader (8) goes, and that is enough
    assertEquals(List.of("big", "reader"), h.shedWho);
    assertEquals(5 * MIB, h.held.total());
    mid.set(9 * MIB); // 11 MiB: mid is now the largest itself
    assertEquals(List.of("big", "reader", "mid"), h.shedWho);
    assertEquals(2 * MIB, h.held.total());
  }

  @Test
  void concurrentHoldersNeverLeaveTheTotalOffTheSumOfTheirShares() throws Exception {
    Holders h = new Holders(64 * MIB);
    ExecutorService loops = Executors.newFixedThreadPool(4);
    CountDownLatch done = new CountDownLatch(4);
    List<HeldBytes.Account> all = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      List<HeldBytes.Account> mine = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        mine.add(h.account("t" + t + "-" + i));
      }
      all.addAll(mine);
      loops.execute(() -> {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom();
        for (int k = 0; k < 20_000; k++) {
          HeldBytes.Account a = mine.get(rnd.nextInt(mine.size()));
          if (rnd.nextInt(3) == 0) {
            a.queue(rnd.nextInt(4 * (int) MIB));
          } else {
            a.set(rnd.nextInt(4 * (int) MIB));
          }
        }
        done.countDown();
      });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    loops.shutdown();
    long sum = all.stream().mapToLong(HeldBytes.Account::held).sum();
    assertEquals(sum, h.held.total(), "the total is the sum of the live shares");
    assertTrue(h.held.total() <= 64 * MIB, "and within the cap once every holder is done: " + h.held.total());
    assertTrue(!h.shed.isEmpty(), "200 holders of up to 8 MiB each went over 64 MiB");
    all.forEach(HeldBytes.Account::close);
    assertEquals(0, h.held.total());
  }

  @Test
  void closesAreCountedByLimitAndLoggedOncePerInterval() {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.vertdesk.test.held");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    logger.setAdditive(false);
    try {
      HeldBytes held = new HeldBytes(10 * MIB, new RepeatedLog(logger, HeldBytes.LOG_INTERVAL_MILLIS));
      for (int i = 0; i < 500; i++) {
        held.closed(HeldBytes.Limit.NODE, "198.51.100." + (i % 250) + ":1000", 4 * MIB);
      }
      held.closed(HeldBytes.Limit.MESSAGE, "198.51.100.7:1000", 17 * MIB);
      assertEquals(500, held.closes(HeldBytes.Limit.NODE));
      assertEquals(1, held.closes(HeldBytes.Limit.MESSAGE));
      assertEquals(0, held.closes(HeldBytes.Limit.PRE_PAIR));
      assertEquals(2, lines.list.size(), "one line per kind within the interval: " + lines.list);
      assertTrue(lines.list.get(0).getFormattedMessage().contains("198.51.100.0:1000"), "the first names its client");
    } finally {
      logger.setAdditive(true);
      logger.detachAppender(lines);
    }
  }
}
