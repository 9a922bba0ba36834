package dev.vertdesk.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.vertdesk.config.ConfigException;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventPublisher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** JSON lines: one object per log line, domain events with their fields. */
class JsonLogTest {

  /** Captures what the shipped encoder makes of each event on one logger. */
  static final class Capture extends AppenderBase<ILoggingEvent> {
    final VertdeskEncoder encoder = new VertdeskEncoder();
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void start() {
      encoder.setContext(getContext());
      encoder.start();
      super.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(new String(encoder.encode(e), StandardCharsets.UTF_8));
    }
  }

  Capture capture(String loggerName) {
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    Capture c = new Capture();
    c.setContext(lc);
    c.start();
    ((Logger) LoggerFactory.getLogger(loggerName)).addAppender(c);
    return c;
  }

  @AfterEach
  void textAgain() {
    LogFormat.use(false);
  }

  @Test
  void domainEventsBecomeJsonLinesWithTheirFields() throws Exception {
    LogFormat.use(true);
    Capture c = capture(EventLog.LOGGER);
    Vertx vertx = Vertx.vertx();
    EventLog log = new EventLog().start(vertx);
    try {
      new EventPublisher(vertx.eventBus(), "node-1").peerRegistered("123456789", "203.0.113.7", true, null);
      new EventPublisher(vertx.eventBus(), "node-1").relaySessionClosed("4", "u-1", "1.2.3.4:5", "6.7.8.9:10",
          1000, 2000, 1500, "closed \"by\" peer\n");
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (c.lines.size() < 2 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
    } finally {
      log.close();
      vertx.close().await(5, TimeUnit.SECONDS);
      ((Logger) LoggerFactory.getLogger(EventLog.LOGGER)).detachAppender(c);
    }
    assertEquals(2, c.lines.size(), c.lines.toString());
    String line = c.lines.get(0);
    assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
    JsonObject reg = new JsonObject(line);
    assertEquals("INFO", reg.getString("level"));
    assertEquals(EventLog.LOGGER, reg.getString("logger"));
    assertEquals("peer.registered", reg.getString("event"));
    assertEquals("123456789", reg.getString("id"));
    assertEquals("203.0.113.7", reg.getString("ip"));
    assertEquals(true, reg.getBoolean("created"));
    assertEquals("node-1", reg.getString("node"));
    assertTrue(reg.getString("message").startsWith("peer.registered id=123456789"), reg.getString("message"));
    assertTrue(reg.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), reg.getString("time"));
    JsonObject closed = new JsonObject(c.lines.get(1));
    assertEquals("relay.session.closed", closed.getString("event"));
    assertEquals(2000L, closed.getLong("bytesSecondToFirst"));
    assertEquals("closed \"by\" peer\n", closed.getString("reason"));
  }

  @Test
  void ordinaryLogLinesToo() {
    Capture c = capture("dev.vertdesk.test.json");
    org.slf4j.Logger log = LoggerFactory.getLogger("dev.vertdesk.test.json");
    try {
      log.info("text {}", 1);
      LogFormat.use(true);
      log.warn("json {}", 2, new IllegalStateException("boom"));
    } finally {
      ((Logger) log).detachAppender(c);
    }
    assertFalse(c.lines.get(0).startsWith("{"), c.lines.get(0));
    JsonObject j = new JsonObject(c.lines.get(1));
    assertEquals("WARN", j.getString("level"));
    assertEquals("json 2", j.getString("message"));
    assertTrue(j.getString("exception").contains("IllegalStateException: boom"));
  }

  @Test
  void onlyTextOrJson() {
    assertThrows(ConfigException.class, () -> LogFormat.parse(LogFormat.ENV, "xml"));
    assertFalse(LogFormat.parse(LogFormat.ENV, "text"));
    assertTrue(LogFormat.parse(LogFormat.ENV, " JSON "));
    assertTrue(Addresses.EVENT_PREFIX.startsWith("vertdesk."));
  }
}
