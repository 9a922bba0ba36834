package dev.vertdesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code mail} block: off by default, every key reachable, bad values stop the start, no secret shown. */
class MailConfigTest {

  @TempDir
  Path dir;

  private MailConfig mail(JsonObject block, Map<String, String> env) {
    return NodeConfig.load(new JsonObject().put("dataDir", dir.toString()).put("mail", block), env).mail();
  }

  private static JsonObject smtp() {
    return new JsonObject().put("enabled", true).put("host", "smtp.example.com").put("from", "rd@example.com");
  }

  @Test
  void offByDefaultWithStartTlsOnTheSubmissionPort() {
    MailConfig m = mail(new JsonObject(), Map.of());
    assertFalse(m.enabled());
    assertEquals(587, m.port());
    assertEquals(MailConfig.STARTTLS, m.security());
    assertEquals(10, m.loginCodeMinutes());
    assertEquals(72, m.invitationHours());
    assertTrue(m.alarms());
  }

  @Test
  void everyKeyIsReachedFromTheFileAndTheEnvironment() {
    MailConfig m = mail(smtp().put("port", 465).put("security", "TLS").put("username", "rd"), Map.of(
        "VERTDESK_MAIL__PASSWORD", "s3cret", "VERTDESK_MAIL__REQUIRE_LOGIN_CODE", "true",
        "VERTDESK_MAIL__NEW_PLACE_LOGINS", "5", "VERTDESK_MAIL__ALARM_MINUTES", "30",
        "VERTDESK_MAIL__SEND_TIMEOUT_MILLIS", "2000"));
    assertEquals(465, m.port());
    assertEquals(MailConfig.TLS, m.security());
    assertEquals("s3cret", m.password());
    assertTrue(m.requireLoginCode());
    assertEquals(5, m.newPlaceLogins());
    assertEquals(30, m.alarmMinutes());
    assertEquals(2000, m.sendTimeoutMillis());
    assertFalse(m.toString().contains("s3cret"), "the SMTP password is never shown: " + m);
  }

  @Test
  void badValuesStopTheStartNamingTheKey() {
    Map<String, JsonObject> bad = Map.of(
        "mail.security", smtp().put("security", "ssl"),
        "mail.port", smtp().put("port", 70000),
        "mail.host", new JsonObject().put("enabled", true).put("from", "rd@example.com"),
        "mail.from", new JsonObject().put("enabled", true).put("host", "smtp.example.com"),
        "mail.loginCodeMinutes", smtp().put("loginCodeMinutes", 0),
        "mail.invitationHours", smtp().put("invitationHours", 100_000),
        "mail.requireLoginCode", new JsonObject().put("requireLoginCode", true),
        "mail.connectTimeoutMillis", smtp().put("connectTimeoutMillis", "soon"));
    bad.forEach((key, block) -> {
      ConfigException e = assertThrows(ConfigException.class, () -> mail(block, Map.of()), key);
      assertTrue(e.getMessage().contains(key), e.getMessage());
    });
    // header injection through the configuration
    ConfigException from = assertThrows(ConfigException.class,
        () -> mail(smtp().put("from", "rd@example.com\r\nBcc: x@evil.example"), Map.of()));
    assertTrue(from.getMessage().contains("mail.from"), from.getMessage());
    // plain SMTP only to loopback: codes and links must not cross a network in clear
    ConfigException plain = assertThrows(ConfigException.class, () -> mail(smtp().put("security", "none"), Map.of()));
    assertTrue(plain.getMessage().contains("mail.security"), plain.getMessage());
    assertEquals(MailConfig.NONE, mail(smtp().put("host", "127.0.0.1").put("security", "none"), Map.of()).security());
    ConfigException misspelt = assertThrows(ConfigException.class,
        () -> mail(smtp().put("hots", "x"), Map.of()));
    assertTrue(misspelt.getMessage().contains("mail.host"), misspelt.getMessage());
  }

  @Test
  void addressesThatCouldBreakAHeaderAreNotAddresses() {
    assertTrue(MailConfig.address("alice@example.org"));
    assertTrue(MailConfig.address("a.b+tag@sub.example.org"));
    for (String bad : new String[] {"", "alice", "@example.org", "alice@", "a@b@c", "alice@example.org\r\nBcc: x@y",
        "alice@example.org, bob@example.org", "Alice <alice@example.org>", "alice @example.org", "a\"b@example.org",
        "alice@.example.org", "alice@example..org", "a".repeat(250) + "@example.org"}) {
      assertFalse(MailConfig.address(bad), bad);
    }
  }
}
