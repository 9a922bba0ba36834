package dev.vertdesk.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.AccountsConfig;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final AccountsConfig config = new AccountsConfig(30, 14, 3, 10, 15, 5, 10, "admin-password.txt");
  private final LoginThrottle throttle = new LoginThrottle(config);

  @Test
  void eachFailureAfterTheFirstFewDoublesTheWaitUntilTheLockout() {
    long now = 1_000_000;
    assertEquals(0, throttle.lockedUntil(1, now));
    assertEquals(0, throttle.lockedUntil(2, now));
    assertEquals(now + 1000, throttle.lockedUntil(3, now));
    assertEquals(now + 2000, throttle.lockedUntil(4, now));
    assertEquals(now + 64_000, throttle.lockedUntil(9, now));
    assertEquals(now + 15 * 60_000, throttle.lockedUntil(10, now), "locked for lockoutMinutes");
    assertEquals(now + 15 * 60_000, throttle.lockedUntil(500, now), "never beyond it, no overflow");
  }

  @Test
  void anUnknownNameIsSlowedDownLikeAnAccount() {
    long now = 5_000_000;
    for (int i = 0; i < 3; i++) {
      throttle.unknownNameFailed("ghost", now);
    }
    assertEquals(now + 1000, throttle.unknownNameLockedUntil("ghost"));
    assertEquals(0, throttle.unknownNameLockedUntil("other"));
  }

  @Test
  void anAddressIsRefusedForTheRestOfItsWindow() {
    long now = 9_000_000;
    for (int i = 0; i < 5; i++) {
      assertEquals(0, throttle.addressWait("198.51.100.1", now));
      throttle.addressFailed("198.51.100.1", now);
    }
    assertEquals(10 * 60_000, throttle.addressWait("198.51.100.1", now));
    assertEquals(0, throttle.addressWait("198.51.100.2", now), "another address is not affected");
    assertEquals(0, throttle.addressWait("198.51.100.1", now + 10 * 60_000), "the window has passed");
  }

  @Test
  void memoryStaysBoundedUnderAFloodOfNamesAndAddresses() {
    for (int i = 0; i < LoginThrottle.MAX_ENTRIES + 1000; i++) {
      throttle.unknownNameFailed("n" + i, 1);
      throttle.addressFailed("a" + i, 1);
    }
    assertEquals(0, throttle.unknownNameLockedUntil("n0"), "the oldest entries went first");
    assertTrue(throttle.unknownNameLockedUntil("n" + (LoginThrottle.MAX_ENTRIES + 999)) == 0);
  }
}
