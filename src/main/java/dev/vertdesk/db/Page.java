package dev.vertdesk.db;

/**
 * One page of a list, as the client and Pro's scripts ask for it: {@code current} counts from 1,
 * {@code pageSize} rows per page. Both are bounded, so an offset never overflows and a page never
 * asks the database for more than {@link #MAX_SIZE} rows.
 */
public record Page(int current, int size) {

  public static final int MAX_SIZE = 1000;
  public static final int MAX_CURRENT = 1_000_000;
  /** What a request without {@code pageSize} gets (the client always sends 100). */
  public static final int DEFAULT_SIZE = 100;

  public Page {
    if (current < 1 || current > MAX_CURRENT) {
      throw new IllegalArgumentException("current is 1 to " + MAX_CURRENT);
    }
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException("pageSize is 1 to " + MAX_SIZE);
    }
  }

  /** Rows to skip: at most 10^9, an int. */
  public int offset() {
    return (current - 1) * size;
  }
}
