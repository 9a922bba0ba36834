package dev.vertdesk.rendezvous;

import io.vertx.core.Future;

/**
 * Whether the login token a controlling client sends with its PunchHoleRequest or RequestRelay
 * speaks for a signed-in user; asked only when the node requires logins ({@code mustLogin},
 * docs/protocol.md §5.4.3).
 */
@FunctionalInterface
public interface LoginCheck {

  /** True for a signed-in user's token, false for any other; fails when it cannot be checked now. */
  Future<Boolean> signedIn(String token);
}
