package dev.vertdesk.app;

/** The one line a failed start prints: the failure's own message, without the transport's noise. */
final class StartFailure {

  private StartFailure() {
  }

  static String describe(Throwable failure) {
    if (failure == null) {
      return "timed out";
    }
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      Throwable cause = failure.getCause();
      return cause != null && cause != failure ? describe(cause) : failure.getClass().getSimpleName();
    }
    // Netty's native bind error reads "bind(..) failed with error(-98): Address already in use"
    String line = message.replaceAll("bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl);
  }
}
