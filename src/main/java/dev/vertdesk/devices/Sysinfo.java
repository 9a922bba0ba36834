package dev.vertdesk.devices;

import java.util.List;
import java.util.Map;

/**
 * What a device reports about itself with {@code POST /api/sysinfo} (rustdesk/rustdesk:
 * {@code src/hbbs_http/sync.rs}, {@code src/common.rs} {@code get_sysinfo}): the machine, the
 * client version, and the deployment presets of a custom client, kept as they came.
 *
 * @param presets the {@code preset-*} keys the device sent, by name
 */
public record Sysinfo(String hostname, String os, String cpu, String memory, String username, String version,
                      Map<String, String> presets) {

  /** Every preset key the client sends (the address-book, user, strategy, group and note presets). */
  public static final List<String> PRESET_KEYS = List.of("preset-address-book-name", "preset-address-book-tag",
      "preset-address-book-alias", "preset-address-book-password", "preset-address-book-note", "preset-note",
      "preset-user-name", "preset-strategy-name", "preset-device-group-name");
}
