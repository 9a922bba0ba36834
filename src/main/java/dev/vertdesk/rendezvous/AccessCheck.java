package dev.vertdesk.rendezvous;

import io.vertx.core.Future;

/**
 * Whether the signed-in controller behind a PunchHoleRequest's or RequestRelay's {@code token}
 * may connect to the device it asks for, by the access rules between user groups and device
 * groups (docs/protocol.md §15).
 */
@FunctionalInterface
public interface AccessCheck {

  /** Lets every request through (no access control on this node). */
  AccessCheck NONE = (token, id, from) -> Future.succeededFuture(null);

  /**
   * {@code null} when the request from address {@code from} for device {@code id} may go on, else
   * the text the client shows; never fails.
   */
  Future<String> refusal(String token, String id, String from);
}
