package dev.vertdesk.protocol;

/**
 * A frame header announced a payload longer than the decoder's limit. Thrown from the header
 * alone, before any of the payload is buffered, so a hostile length costs no memory.
 */
public final class FrameTooLargeException extends ProtocolException {

  private static final long serialVersionUID = 1L;

  private final long announced;
  private final int limit;

  public FrameTooLargeException(long announced, int limit) {
    super("frame of " + announced + " bytes exceeds the limit of " + limit);
    this.announced = announced;
    this.limit = limit;
  }

  /** Payload length the header announced. */
  public long announced() {
    return announced;
  }

  /** The decoder's maxFrameSize. */
  public int limit() {
    return limit;
  }
}
