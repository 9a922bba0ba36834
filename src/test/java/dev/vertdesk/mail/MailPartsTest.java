package dev.vertdesk.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertdesk.config.MailConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the mail that need no server: header-safe text, networks, the new-place rule. */
class MailPartsTest {

  @Test
  void whatUsersTypedBecomesOneLine() {
    assertEquals("pc  Bcc: x@evil.example", MailText.inline("pc\r\nBcc: x@evil.example"));
    assertEquals("a b", MailText.inline("a\u2028b"));
    assertEquals(MailText.MAX_INLINE, MailText.inline("x".repeat(10_000)).length());
    String subject = MailText.header("Login\r\nBcc: x@evil.example" + "y".repeat(1000));
    assertFalse(subject.contains("\r") || subject.contains("\n"));
    assertTrue(subject.length() <= MailText.MAX_SUBJECT);
    assertEquals("line one\nline two ", MailText.body("line one\nline two\u0007"));
  }

  @Test
  void aNetworkIsAV4Slash24OrAV6Slash48() {
    assertEquals("203.0.113.0/24", Networks.of("203.0.113.77"));
    assertEquals(Networks.of("203.0.113.1"), Networks.of("203.0.113.254"));
    assertEquals("203.0.113.0/24", Networks.of("::ffff:203.0.113.9"), "IPv4-mapped counts as IPv4");
    assertEquals("2001:0db8:0001::/48", Networks.of("2001:db8:1:2::5"));
    assertEquals(Networks.of("2001:db8:1:ffff::1"), Networks.of("2001:db8:1::9"));
    assertEquals("999.1.1.1", Networks.of("999.1.1.1"), "not an address: kept, never looked up");
    assertEquals("example.org", Networks.of("example.org"));
    assertEquals("", Networks.of(null));
  }

  @Test
  void aNewPlaceIsANetworkNoneOfTheLastLoginsCameFrom() {
    assertFalse(AccountNotices.newPlace("203.0.113.0/24", List.of()), "a first login is no alarm");
    assertFalse(AccountNotices.newPlace("203.0.113.0/24", List.of("198.51.100.1", "203.0.113.5")));
    assertTrue(AccountNotices.newPlace("203.0.113.0/24", List.of("198.51.100.1", "198.51.100.2")));
  }

  @Test
  void codesAndAlarmsArePacedPerUser() {
    MailConfig c = new MailConfig(false, "", 587, MailConfig.STARTTLS, "", "", "", 1000, 1000, false, 10, 72, true,
        60, 20);
    AccountNotices notices = new AccountNotices(new Mailer(null, c), c, null);
    long t = 1_000_000;
    for (int i = 0; i < AccountNotices.CODES_PER_WINDOW; i++) {
      assertEquals(0, notices.codeWait("u", t), "code " + i);
    }
    assertTrue(notices.codeWait("u", t + 1000) > 0, "one too many");
    assertEquals(0, notices.codeWait("someone-else", t), "per user");
    assertEquals(0, notices.codeWait("u", t + AccountNotices.CODE_WINDOW_MILLIS), "a new window");
    assertTrue(notices.due("locked:u", t));
    assertFalse(notices.due("locked:u", t + 59 * 60_000), "one alarm of a kind per hour");
    assertTrue(notices.due("place:u", t), "another kind");
    assertTrue(notices.due("locked:u", t + 60 * 60_000));
  }
}
