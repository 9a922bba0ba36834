package dev.vertdesk.accounts;

import io.vertx.core.Future;

/**
 * What the accounts mail (implemented by the mail package, which may know the accounts but not
 * the other way round): login codes, which the login waits for, and alarms to admins, which it
 * does not.
 */
public interface LoginMail {

  /** No e-mail: no login codes, no alarms. */
  LoginMail NONE = new LoginMail() {
    @Override
    public boolean sends() {
      return false;
    }

    @Override
    public boolean codeForAll() {
      return false;
    }

    @Override
    public long codeMillis() {
      return 0;
    }

    @Override
    public Future<Void> loginCode(User user, String code, ClientDevice device, String ip) {
      return Future.failedFuture(new AccountException(AccountException.Kind.UNAVAILABLE,
          "This server does not send e-mail"));
    }

    @Override
    public void lockedOut(User user, String ip, int failures) {
      // no mail, no alarm
    }

    @Override
    public void signedIn(User user, String ip, long at) {
      // no mail, no alarm
    }
  };

  /** Whether this node sends e-mail at all. */
  boolean sends();

  /** Whether every user with an e-mail address confirms logins with a mailed code. */
  boolean codeForAll();

  /** How long a mailed login code is good. */
  long codeMillis();

  /**
   * Mails a login code to the user; fails with an {@link AccountException} the client can show
   * (no internals) when the mail could not be sent.
   */
  Future<Void> loginCode(User user, String code, ClientDevice device, String ip);

  /** The account was just locked after {@code failures} failed logins in a row (an alarm, not awaited). */
  void lockedOut(User user, String ip, int failures);

  /** The user signed in at {@code at} (for the new-place alarm, not awaited). */
  void signedIn(User user, String ip, long at);
}
