package dev.vertdesk.access;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountService;
import dev.vertdesk.accounts.Principal;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.logging.RepeatedLog;
import io.vertx.core.Future;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control where signaling meets it: whether the controller behind the login token of a
 * PunchHoleRequest or RequestRelay may connect to the device it asks for (docs/protocol.md §15).
 * Only logins are checked: a request without a token, or with one that is no valid login, is left
 * to {@code mustLogin}. Every refusal is published as {@code access.refused}.
 */
public final class AccessControl {

  private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
  /** What the controlling side is shown when the rules refuse it. */
  public static final String REFUSED = "Your account is not allowed to connect to this device (access control)";
  /** ... when they could not be checked (the database is down). */
  public static final String UNCHECKED = "Access to this device could not be checked; try again later";

  private final AccountService accounts;
  private final AccessRules rules;
  private final EventPublisher events;
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);

  public AccessControl(AccountService accounts, AccessRules rules, EventPublisher events) {
    this.accounts = accounts;
    this.rules = rules;
    this.events = events;
  }

  /**
   * {@code null} when the request for device {@code id} from address {@code from} may go on, else
   * the text the client shows. Never fails.
   */
  public Future<String> refusal(String token, String id, String from) {
    if (!rules.any() || token.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return accounts.authenticate(token).transform(login -> {
      if (login.failed()) {
        if (login.cause() instanceof AccountException) {
          return Future.succeededFuture(null); // not a login: mustLogin decides
        }
        return unchecked(id, from, "", login.cause());
      }
      Principal p = login.result();
      if (!Principal.SESSION.equals(p.kind())) {
        return Future.succeededFuture(null);
      }
      return rules.decide(p.user(), id).transform(decided -> {
        if (decided.failed()) {
          return unchecked(id, from, p.user().name(), decided.cause());
        }
        return switch (decided.result()) {
          case ALLOWED -> Future.succeededFuture(null);
          case OUTGOING, INCOMING -> {
            events.accessRefused(from, id, p.user().name(), decided.result().name().toLowerCase(Locale.ROOT));
            yield Future.succeededFuture(REFUSED);
          }
        };
      });
    });
  }

  private Future<String> unchecked(String id, String from, String user, Throwable cause) {
    warnings.warn("access-unchecked", "access to {} not checked: {}", id, cause.toString());
    events.accessRefused(from, id, user, "unchecked");
    return Future.succeededFuture(UNCHECKED);
  }
}
