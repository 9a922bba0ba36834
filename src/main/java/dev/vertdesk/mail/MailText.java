package dev.vertdesk.mail;

/**
 * Text that goes into a message: what users and clients typed (names, device names) is made one
 * line without control characters before it is put anywhere, so a CR/LF in a name can neither
 * end a header nor start one; subjects are bounded too.
 */
final class MailText {

  static final int MAX_SUBJECT = 200;
  /** A value from a user or a client, as it may appear in a message. */
  static final int MAX_INLINE = 200;

  private MailText() {
  }

  /** One line: control characters (CR and LF included) become spaces; bounded to {@value #MAX_INLINE}. */
  static String inline(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_INLINE));
    s.codePoints().limit(MAX_INLINE).forEach(c -> b.appendCodePoint(Character.isISOControl(c)
        || c == 0x2028 || c == 0x2029 ? ' ' : c));
    return b.toString().strip();
  }

  /** A subject: one line, at most {@value #MAX_SUBJECT} characters. */
  static String header(String s) {
    String line = inline(s);
    return line.length() <= MAX_SUBJECT ? line : line.substring(0, MAX_SUBJECT);
  }

  /** A body: lines kept, every other control character a space. */
  static String body(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(c == '\n' || !Character.isISOControl(c) ? c : ' '));
    return b.toString();
  }
}
