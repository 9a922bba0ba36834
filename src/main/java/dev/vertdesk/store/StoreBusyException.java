package dev.vertdesk.store;

/**
 * The store's queue has no room for this request (a flood, or a database slower than the
 * requests): the client should try again later. Nothing was written.
 */
public final class StoreBusyException extends RuntimeException {

  public StoreBusyException(String message) {
    super(message, null, false, false); // refused by the thousand under a flood: no stack trace
  }
}
