package dev.vertdesk.testing;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonObject;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real SMTP server (GreenMail) on 127.0.0.1, on a port the system chose, that keeps every
 * message it accepts; and the {@code mail} block that points a node at it.
 */
public final class SmtpServer implements AutoCloseable {

  /** A received message: its recipients, headers as sent, subject and decoded text. */
  public record Mail(List<String> to, String subject, String text, List<String> headerLines) {

    /** The first match of {@code regex}'s group 1 in the text; fails when there is none. */
    public String find(String regex) {
      Matcher m = Pattern.compile(regex).matcher(text);
      if (!m.find()) {
        throw new AssertionError("no " + regex + " in: " + text);
      }
      return m.group(1);
    }
  }

  private final GreenMail greenMail;

  public SmtpServer() {
    greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    greenMail.start();
  }

  public int port() {
    return greenMail.getSmtp().getPort();
  }

  /** The node's {@code mail} block for this server: plain SMTP to loopback, from {@code vertdesk@test.example}. */
  public JsonObject config() {
    return config(port());
  }

  /** A {@code mail} block for a plain SMTP server on loopback at {@code port}. */
  public static JsonObject config(int port) {
    return new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", port)
        .put("security", "none").put("from", "vertdesk@test.example")
        .put("connectTimeoutMillis", 2000).put("sendTimeoutMillis", 5000);
  }

  /** A port where nothing listens (bound by the system, then released): connections are refused. */
  public static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Every message received so far, oldest first (one copy per recipient). */
  public List<Mail> received() {
    return read(greenMail.getReceivedMessages());
  }

  /** How many messages were delivered to mailboxes of {@code domain} (the envelope's recipients). */
  public int deliveredToDomain(String domain) {
    return greenMail.getReceivedMessagesForDomain(domain).length;
  }

  private static List<Mail> read(MimeMessage[] messages) {
    try {
      return readAll(messages);
    } catch (Exception e) {
      throw new IllegalStateException("a received message cannot be read", e);
    }
  }

  private static List<Mail> readAll(MimeMessage[] messages) throws Exception {
    List<Mail> out = new ArrayList<>();
    for (MimeMessage m : messages) {
      List<String> to = new ArrayList<>();
      Address[] recipients = m.getAllRecipients();
      if (recipients != null) {
        Arrays.stream(recipients).forEach(a -> to.add(a.toString()));
      }
      Object content = m.getContent();
      out.add(new Mail(to, m.getSubject(), content instanceof String s ? s : String.valueOf(content),
          java.util.Collections.list(m.getAllHeaderLines())));
    }
    return out;
  }

  /** Waits until {@code count} messages in all were received, then answers them. */
  public List<Mail> await(int count) throws InterruptedException {
    if (!greenMail.waitForIncomingEmail(10_000, count)) {
      throw new AssertionError("not " + count + " messages within 10 s: " + received().size());
    }
    return received();
  }

  /** The messages received for {@code address}, oldest first. */
  public List<Mail> to(String address) {
    return received().stream().filter(m -> m.to().contains(address)).toList();
  }

  /** Waits for the first message to {@code address} whose subject contains {@code subjectPart}. */
  public Mail awaitTo(String address, String subjectPart) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < end) {
      for (Mail m : to(address)) {
        if (m.subject() != null && m.subject().contains(subjectPart)) {
          return m;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no message to " + address + " about '" + subjectPart + "' within 10 s: "
        + received().stream().map(m -> m.to() + " " + m.subject()).toList());
  }

  public void clear() throws Exception {
    greenMail.purgeEmailFromAllMailboxes();
  }

  @Override
  public void close() {
    greenMail.stop();
  }
}
