package dev.vertdesk.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The last configuration layer: what the command line says ({@code vertdesk hbbs -p 21116 -k _},
 * docs/protocol.md §9.1). As in hbbs, an options file given with {@code -c} (read like
 * {@code .env}) wins over every other layer, and the flags win over that file.
 *
 * @param optionsFile {@code -c}/{@code --config}: rustdesk-server option names, one
 *                    {@code NAME=value} a line
 * @param settings    flags already turned into configuration keys, in the order given
 */
public record CommandLineSettings(Optional<Path> optionsFile, List<Setting> settings) {

  /** No command-line layer: what {@code java -jar vertdesk.jar -conf ...} has. */
  public static final CommandLineSettings NONE = new CommandLineSettings(Optional.empty(), List.of());

  public CommandLineSettings {
    settings = List.copyOf(settings);
  }

  /**
   * One key set on the command line.
   *
   * @param path   the configuration key ({@code port}, {@code verticles.relay.config.port})
   * @param value  as typed
   * @param origin how it was given, for messages ({@code command-line flag -p})
   */
  public record Setting(String path, String value, String origin) {
  }
}
