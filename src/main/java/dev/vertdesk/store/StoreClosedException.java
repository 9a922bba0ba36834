package dev.vertdesk.store;

/**
 * The store is closing or closed (the node is shutting down): the request was dropped without
 * being written.
 */
public final class StoreClosedException extends RuntimeException {

  public StoreClosedException() {
    super("peer store closed", null, false, false);
  }
}
