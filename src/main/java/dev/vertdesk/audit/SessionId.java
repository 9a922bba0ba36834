package dev.vertdesk.audit;

import java.math.BigInteger;

/**
 * The client's session id: a random u64 over the full range (rustdesk/rustdesk: src/client.rs),
 * so half of all values exceed a Java {@code long}. Kept as its decimal text and given back as
 * the same JSON number.
 */
public final class SessionId {

  static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private SessionId() {
  }

  /**
   * The decimal text of a u64 given as a JSON number or a decimal string (a query parameter);
   * {@code null} when absent; {@link IllegalArgumentException} for anything else.
   */
  public static String parse(Object v) {
    if (v == null) {
      return null;
    }
    BigInteger n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      n = BigInteger.valueOf(((Number) v).longValue());
    } else if (v instanceof BigInteger b) {
      n = b;
    } else if (v instanceof String s && !s.isEmpty() && s.length() <= 20 && s.chars().allMatch(Character::isDigit)) {
      n = new BigInteger(s);
    } else {
      throw new IllegalArgumentException("session_id must be an unsigned 64-bit integer");
    }
    if (n.signum() < 0 || n.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("session_id must be an unsigned 64-bit integer");
    }
    return n.toString();
  }

  /** The stored text as a JSON number: a {@code Long} where it fits, else a {@code BigInteger}. */
  public static Number json(String text) {
    BigInteger n = new BigInteger(text);
    return n.bitLength() < 64 ? (Number) n.longValue() : n;
  }
}
