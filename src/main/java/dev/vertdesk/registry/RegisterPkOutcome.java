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
 */
public record RegisterPkOutcome(RegisterPkResponse.Result result, String reason, boolean created,
                                boolean changed, boolean becameOnline, String previousIp) {

  public RegisterPkOutcome(RegisterPkResponse.Result result, String reason, boolean created,
                           boolean changed, boolean becameOnline) {
    this(result, reason, created, changed, becameOnline, null);
  }

  static RegisterPkOutcome ignored() {
    return new RegisterPkOutcome(null, "empty-uuid-or-pk", false, false, false);
  }

  static RegisterPkOutcome refused(RegisterPkResponse.Result result, String reason) {
    return new RegisterPkOutcome(result, reason, false, false, false);
  }
}
