package dev.vertdesk.config;

/**
 * The address books of the API server ({@code addressBooks}).
 *
 * @param personal        whether clients get a personal address book over the current API
 *                        ({@code /api/ab/personal}); off, it answers 404 and clients fall back
 *                        to the legacy whole-book API ({@code /api/ab}), which always works
 * @param maxPeersPerBook the most peers one book holds (the client's {@code max_peer_one_ab});
 *                        adding beyond it is refused
 * @param recycleBinDays  deleted peers stay restorable this long, then they are purged
 */
public record AddressBooksConfig(boolean personal, int maxPeersPerBook, int recycleBinDays) {

  static AddressBooksConfig from(ConfigBlock c) {
    return new AddressBooksConfig(
        c.bool("personal"),
        c.integer("maxPeersPerBook", 1, 1_000_000),
        c.integer("recycleBinDays", 1, 3650));
  }
}
