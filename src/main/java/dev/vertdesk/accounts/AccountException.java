package dev.vertdesk.accounts;

/** A request the accounts refuse; {@code kind} says how, the message is what the user is shown. */
public final class AccountException extends RuntimeException {

  /** How a refusal answers over HTTP. */
  public enum Kind {
    BAD_REQUEST(400), UNAUTHORIZED(401), FORBIDDEN(403), NOT_FOUND(404), CONFLICT(409),
    /**
     * A system the request depends on (the LDAP directory, a sign-in provider) cannot be reached:
     * 424, a 4xx so that the client shows the message, where a 5xx would send the request down
     * its raw-TCP fallback instead ({@code rustdesk/rustdesk: src/common.rs}, with_tcp_proxy_fallback).
     */
    UNAVAILABLE(424),
    TOO_MANY(429);

    private final int status;

    Kind(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Kind kind;

  public AccountException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
