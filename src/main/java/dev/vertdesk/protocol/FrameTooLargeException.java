package dev.vertdesk.protocol;

/**
 * A frame header announced a payload longer than the decoder's limit. Thrown from the header
 * alone, before any of the payload is buffered, so a hostile length costs no memory.
 */
public final class FrameTooLargeException extends ProtocolException {

  private static final long serialVersionUID = 1L;

  private final int limit;

  public FrameTooLargeException(long announced, int limit) {
    super("frame of " + announced + " bytes exceeds the limit of " + limit);
    this.limit = limit;
  }

  /** The decoder's maxFrameSize. */
  public int limit() {
    return limit;
  }
}
