package dev.vertdesk.registry;

import dev.vertdesk.proto.RegisterPkResponse;

/**
 * Result of a RegisterPk (docs/protocol.md §5.4.2).
 *
 * @param result     what to answer; {@code null} means ignore silently (empty uuid or pk)
 * @param reason     a short machine-readable reason for refusals ({@code "ip-rate"}, ...)
 * @param created    the ID was new to this server
 * @param changed    uuid/pk/IP changed and the row was (re)written
 * @param becameOnline the device went from offline to online with this registration
 * @param previousIp   the address the ID was registered from before, when this one differs
 * @param failure      why the row was not stored (reason {@code store-write}), for the log
 */
public record RegisterPkOutcome(RegisterPkResponse.Result result, String reason, boolean created,
                                boolean changed, boolean becameOnline, String previousIp, String failure) {

  public RegisterPkOutcome(RegisterPkResponse.Result result, String reason, boolean created,
                           boolean changed, boolean becameOnline, String previousIp) {
    this(result, reason, created, changed, becameOnline, previousIp, null);
  }

  public RegisterPkOutcome(RegisterPkResponse.Result result, String reason, boolean created,
                           boolean changed, boolean becameOnline) {
    this(result, reason, created, changed, becameOnline, null);
  }

  static RegisterPkOutcome ignored() {
    return new RegisterPkOutcome(null, "empty-uuid-or-pk", false, false, false);
  }

  /** The store is closing: the request was not written and gets no answer. */
  static RegisterPkOutcome dropped() {
    return new RegisterPkOutcome(null, "store-closed", false, false, false);
  }

  /** The row could not be written: SERVER_ERROR, and the device retries (docs/protocol.md §5.4.2). */
  static RegisterPkOutcome notStored(boolean created, boolean becameOnline, Throwable cause) {
    return new RegisterPkOutcome(RegisterPkResponse.Result.SERVER_ERROR, "store-write", created, false, becameOnline,
        null, String.valueOf(cause));
  }

  static RegisterPkOutcome refused(RegisterPkResponse.Result result, String reason) {
    return new RegisterPkOutcome(result, reason, false, false, false);
  }
}
