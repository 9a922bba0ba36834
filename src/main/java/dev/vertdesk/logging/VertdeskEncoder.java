package dev.vertdesk.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;

/**
 * Logback encoder of {@code logback.xml}: the {@code pattern} for text lines, or
 * {@link JsonLines} when {@link LogFormat#json()} says so. The format can change while running
 * (the {@code logFormat} key is read after logging has started).
 */
public final class VertdeskEncoder extends EncoderBase<ILoggingEvent> {

  private String pattern = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
  private PatternLayoutEncoder text;

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  public String getPattern() {
    return pattern;
  }

  @Override
  public void start() {
    text = new PatternLayoutEncoder();
    text.setContext(getContext());
    text.setPattern(pattern);
    text.setCharset(StandardCharsets.UTF_8);
    text.start();
    super.start();
  }

  @Override
  public void stop() {
    if (text != null) {
      text.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return LogFormat.json() ? JsonLines.encode(event) : text.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
