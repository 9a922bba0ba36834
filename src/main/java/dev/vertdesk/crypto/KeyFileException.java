package dev.vertdesk.crypto;

/** The server key files cannot be read, are malformed or inconsistent, or cannot be written. Fatal at start-up. */
public final class KeyFileException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public KeyFileException(String message) {
    super(message);
  }

  public KeyFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
