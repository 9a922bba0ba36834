package dev.vertdesk.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.vertdesk.config.MailConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sender against real SMTP servers on loopback: it delivers; it refuses, rather than send in
 * clear or to an unverified certificate, a server without STARTTLS or with a certificate nobody
 * vouches for; and it gives up on a server that never answers.
 */
class MailerTest {

  static Vertx vertx;
  static GreenMail greenMail;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    greenMail = new GreenMail(new ServerSetup[] {new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
        new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS)});
    greenMail.start();
  }

  @AfterAll
  static void stop() throws Exception {
    greenMail.stop();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static MailConfig config(String security, int port, int sendTimeoutMillis) {
    return new MailConfig(true, "127.0.0.1", port, security, "", "", "vertdesk@test.example", 2000, sendTimeoutMillis,
        false, 10, 72, true, 60, 20);
  }

  /** The failure of {@code f}, {@code null} when it succeeded. */
  static Throwable outcome(Future<?> f) throws Exception {
    CompletableFuture<Throwable> c = new CompletableFuture<>();
    f.onComplete(ar -> c.complete(ar.failed() ? ar.cause() : null));
    return c.get(20, TimeUnit.SECONDS);
  }

  static int receivedBy(String address) {
    int n = 0;
    for (MimeMessage m : greenMail.getReceivedMessages()) {
      try {
        n += m.getAllRecipients()[0].toString().equals(address) ? 1 : 0;
      } catch (jakarta.mail.MessagingException e) {
        throw new IllegalStateException(e);
      }
    }
    return n;
  }

  @Test
  void plainSmtpToLoopbackDelivers() throws Exception {
    Mailer mailer = new Mailer(vertx, config(MailConfig.NONE, greenMail.getSmtp().getPort(), 5000));
    assertNull(outcome(mailer.send("test", "plain@test.example", "Hello\r\nBcc: x@evil.example", "body\n")));
    assertEquals(1, receivedBy("plain@test.example"));
    MimeMessage m = greenMail.getReceivedMessagesForDomain("test.example")[0];
    assertEquals("vertdesk@test.example", m.getFrom()[0].toString());
    assertTrue(m.getSubject().startsWith("Hello") && !m.getSubject().contains("\n"), m.getSubject());
    assertEquals(0, greenMail.getReceivedMessagesForDomain("evil.example").length);
    outcome(mailer.close());
  }

  @Test
  void aServerWithoutStartTlsOrAnUntrustedCertificateGetsNothing() throws Exception {
    for (MailConfig c : new MailConfig[] {config(MailConfig.STARTTLS, greenMail.getSmtp().getPort(), 5000),
        config(MailConfig.TLS, greenMail.getSmtps().getPort(), 5000)}) {
      Mailer mailer = new Mailer(vertx, c);
      Throwable t = outcome(mailer.send("test", "secret@test.example", "Login code 123456", "123456\n"));
      assertInstanceOf(Mailer.NotSent.class, t, c.security());
      assertEquals("The mail server cannot be reached; try again later", t.getMessage());
      outcome(mailer.close());
    }
    assertEquals(0, receivedBy("secret@test.example"), "nothing went out in clear or to an unverified server");
  }

  @Test
  void aServerThatNeverAnswersIsGivenUpAfterTheSendTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Mailer mailer = new Mailer(vertx, config(MailConfig.NONE, silent.getLocalPort(), 300));
      long start = System.nanoTime();
      Throwable t = outcome(mailer.send("test", "late@test.example", "Hello", "body\n"));
      assertInstanceOf(Mailer.NotSent.class, t);
      assertEquals("The mail server did not answer in time", t.getMessage());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "given up, not stuck");
      outcome(mailer.close());
    }
  }

  @Test
  void withMailOffNothingIsSent() throws Exception {
    Mailer off = new Mailer(vertx, new MailConfig(false, "", 587, MailConfig.STARTTLS, "", "", "", 1000, 1000, false,
        10, 72, true, 60, 20));
    assertEquals("This server does not send e-mail", outcome(off.send("test", "a@test.example", "s", "t")).getMessage());
    assertEquals("The e-mail address cannot be used", outcome(new Mailer(vertx, config(MailConfig.NONE,
        greenMail.getSmtp().getPort(), 5000)).send("test", "a@test.example\r\nBcc: x@evil.example", "s", "t"))
        .getMessage());
  }
}
