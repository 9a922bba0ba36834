package dev.vertdesk.config;

import java.util.List;
import java.util.Locale;

/**
 * Which half of rustdesk-server a node plays ({@code role}): both, the ID server (hbbs) or the
 * relay (hbbr). A role decides which built-in verticles may run at all; {@code enabled} switches
 * them within it. Two nodes of the other roles on one host and base port bind disjoint ports,
 * their admin ports included (docs/protocol.md §1.2 for the ports hbbs and hbbr derive).
 */
public enum Role {

  ALL("all", NodeConfig.BUILT_IN),
  // the API server belongs to the ID server, as in RustDesk Server Pro
  HBBS("hbbs", List.of("udp", "signaling", "nat", "ws", "api", "admin")),
  HBBR("hbbr", List.of("relay", "wsrelay", "admin"));

  private final String word;
  private final List<String> verticles;

  Role(String word, List<String> verticles) {
    this.word = word;
    this.verticles = verticles;
  }

  /** The value of {@code role}, and the command that selects it ({@code vertdesk hbbs}). */
  public String word() {
    return word;
  }

  /** The built-in verticles this role may run, in deployment order. */
  public List<String> verticles() {
    return verticles;
  }

  public boolean runs(String verticle) {
    return verticles.contains(verticle);
  }

  static Role parse(String key, String text) {
    for (Role r : values()) {
      if (r.word.equals(text.toLowerCase(Locale.ROOT))) {
        return r;
      }
    }
    throw new ConfigException(key, "expected all, hbbs or hbbr, got " + text);
  }
}
