package dev.vertdesk.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Node-wide settings about running the server rather than serving clients: where plugin jars
 * are found and how long a drain lets live relay sessions go on.
 *
 * @param pluginsDir          {@code pluginsDir}; empty means the default, {@code plugins} next
 *                            to the running jar
 * @param drainTimeoutSeconds {@code drainTimeoutSeconds}: once draining starts (SIGTERM or the
 *                            admin command), live relay sessions are closed after this long
 * @param drainGraceSeconds   {@code drainGraceSeconds}: on SIGTERM the node stays up, not ready,
 *                            at least this long (within the timeout), so load balancers see it go
 */
public record OperationOptions(Optional<Path> pluginsDir, int drainTimeoutSeconds, int drainGraceSeconds) {

  public static final int DEFAULT_DRAIN_TIMEOUT_SECONDS = 60;
  public static final int DEFAULT_DRAIN_GRACE_SECONDS = 5;

  public static OperationOptions from(JsonObject tree) {
    String dir = Json.string(tree, "", "pluginsDir", "");
    return new OperationOptions(
        dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir)),
        Json.integer(tree, "", "drainTimeoutSeconds", DEFAULT_DRAIN_TIMEOUT_SECONDS, 0, 86_400),
        Json.integer(tree, "", "drainGraceSeconds", DEFAULT_DRAIN_GRACE_SECONDS, 0, 3_600));
  }
}
