package dev.vertdesk.protocol;

/**
 * A peer sent bytes that violate the wire protocol (docs/protocol.md §2). Unchecked so that it can
 * travel through sink callbacks and event-loop handlers; callers normally close the connection.
 */
public class ProtocolException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
