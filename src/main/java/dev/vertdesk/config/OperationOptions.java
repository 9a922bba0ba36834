package dev.vertdesk.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Node-wide settings about running the server rather than serving clients.
 *
 * @param pluginsDir          {@code pluginsDir}; empty means the default, {@code plugins} next
 *                            to the running jar
 * @param drainTimeoutSeconds {@code drainTimeoutSeconds}: once draining starts (SIGTERM or the
 *                            admin command), live relay sessions are closed after this long
 * @param drainGraceSeconds   {@code drainGraceSeconds}: on SIGTERM the node stays up, not ready,
 *                            at least this long (within the timeout), so load balancers see it go
 * @param jsonLogs            {@code logFormat}: {@code json} (one object per line) rather than
 *                            {@code text}; empty when the key is not set (the process keeps the
 *                            format it started with)
 * @param role                {@code role}: which built-in verticles may run ({@code vertdesk hbbs}
 *                            and {@code vertdesk hbbr} set it)
 */
public record OperationOptions(Optional<Path> pluginsDir, int drainTimeoutSeconds, int drainGraceSeconds,
                               Optional<Boolean> jsonLogs, Role role) {

  static OperationOptions from(ConfigBlock root) {
    String dir = root.string("pluginsDir");
    String format = root.string("logFormat");
    Optional<Boolean> json = switch (format.toLowerCase(Locale.ROOT)) {
      case "" -> Optional.empty();
      case "json" -> Optional.of(true);
      case "text" -> Optional.of(false);
      default -> throw new ConfigException("logFormat", "expected text or json, got " + format);
    };
    return new OperationOptions(
        dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir)),
        root.integer("drainTimeoutSeconds", 0, 86_400),
        root.integer("drainGraceSeconds", 0, 3_600),
        json,
        Role.parse("role", root.string("role")));
  }
}
