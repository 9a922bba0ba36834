package dev.vertdesk.mail;

import dev.vertdesk.config.MailConfig;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends plain-text e-mail through the configured SMTP server with Vert.x's mail client: never
 * blocks an event loop, gives up after {@code sendTimeoutMillis}, and logs failures once per
 * minute (a server that is down fails every message) without the SMTP password or the message.
 * Whatever goes into a header passes {@link MailText}: addresses are checked, subjects lose their
 * line breaks, so nothing a user typed can add a header or a recipient.
 */
public final class Mailer {

  private static final Logger LOG = LoggerFactory.getLogger(Mailer.class);
  static final long LOG_INTERVAL_MILLIS = 60_000;

  /** Why a message was not sent, in words a client may be shown (never the SMTP server's reply). */
  public static final class NotSent extends RuntimeException {
    NotSent(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final MailConfig config;
  private final MailClient client;
  private final RepeatedLog failures = new RepeatedLog(LOG, LOG_INTERVAL_MILLIS);

  /** A mailer for {@code config}; with {@code enabled} false it sends nothing and says so. */
  public Mailer(Vertx vertx, MailConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.client = config.enabled() ? MailClient.create(vertx, clientConfig(config)) : null;
  }

  static io.vertx.ext.mail.MailConfig clientConfig(MailConfig c) {
    io.vertx.ext.mail.MailConfig m = new io.vertx.ext.mail.MailConfig()
        .setHostname(c.host())
        .setPort(c.port())
        .setStarttls(c.security().equals(MailConfig.STARTTLS) ? StartTLSOptions.REQUIRED : StartTLSOptions.DISABLED)
        .setLogin(c.username().isEmpty() ? LoginOption.DISABLED : LoginOption.REQUIRED)
        // the EHLO name: set, so the client never looks up the local host name (a blocking call)
        .setOwnHostname(c.from().substring(c.from().indexOf('@') + 1))
        .setMaxPoolSize(4)
        .setConnectTimeout(c.connectTimeoutMillis())
        .setIdleTimeout(c.sendTimeoutMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    // the server's certificate must name it, for STARTTLS and TLS alike
    m.setHostnameVerificationAlgorithm("HTTPS");
    m.setSsl(c.security().equals(MailConfig.TLS));
    if (!c.username().isEmpty()) {
      m.setUsername(c.username()).setPassword(c.password());
    }
    return m;
  }

  /** Whether this node sends e-mail. */
  public boolean enabled() {
    return client != null;
  }

  /**
   * Sends one message; fails with {@link NotSent} when the mail is off, the address is unusable,
   * or the server refused, failed or did not finish in time.
   *
   * @param what a fixed word for the log ({@code login-code}, {@code invitation}, {@code alarm})
   */
  public Future<Void> send(String what, String to, String subject, String text) {
    if (client == null) {
      return Future.failedFuture(new NotSent("This server does not send e-mail"));
    }
    if (!MailConfig.address(to)) {
      return Future.failedFuture(new NotSent("The e-mail address cannot be used"));
    }
    MailMessage message = new MailMessage()
        .setFrom(config.from())
        .setTo(to)
        .setSubject(MailText.header(subject))
        .setText(MailText.body(text));
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(config.sendTimeoutMillis(), t -> {
      if (done.tryFail(new NotSent("The mail server did not answer in time"))) {
        failures.warn("mail-" + what + "-timeout", "{} mail not sent: the mail server {}:{} did not finish within {} ms",
            what, config.host(), config.port(), config.sendTimeoutMillis());
      }
    });
    client.sendMail(message).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        done.tryComplete();
      } else if (done.tryFail(new NotSent("The mail server cannot be reached; try again later"))) {
        failures.warn("mail-" + what + "-failed", "{} mail not sent through {}:{}: {}", what, config.host(),
            config.port(), reason(ar.cause()));
      }
    });
    return done.future();
  }

  /** The failure's kind and message, which never carries the password (the client does not echo it). */
  private static String reason(Throwable t) {
    String m = t.getMessage() == null ? "" : t.getMessage().replaceAll("[\\r\\n]+", " ");
    return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + (m.length() > 300 ? m.substring(0, 300) : m));
  }

  public Future<Void> close() {
    return client == null ? Future.succeededFuture() : client.close();
  }
}
