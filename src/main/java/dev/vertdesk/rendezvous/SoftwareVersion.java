package dev.vertdesk.rendezvous;

/** The version hbbs derives from its {@code --software-url} (docs/protocol.md §5.4.11). */
final class SoftwareVersion {

  private SoftwareVersion() {
  }

  /** Text after the last {@code -}, without a trailing non-numeric extension; "" if none. */
  static String fromUrl(String url) {
    if (url == null || url.isEmpty()) {
      return "";
    }
    int dash = url.lastIndexOf('-');
    if (dash < 0) {
      return "";
    }
    String tail = url.substring(dash + 1);
    int dot = tail.lastIndexOf('.');
    if (dot >= 0 && !tail.substring(dot + 1).chars().allMatch(Character::isDigit)) {
      tail = tail.substring(0, dot);
    }
    return tail;
  }
}
