package dev.vertdesk.registry;

import io.vertx.core.Future;

/**
 * An extra check of every RegisterPk against limits shared by all nodes of a cluster (the same
 * per-IP and per-ID rules as {@link IpRegistrationLimiter} and the per-ID window, counted
 * cluster-wide). A single node needs none: {@link #OPEN}.
 */
public interface RegistrationGate {

  /** Always allows. */
  RegistrationGate OPEN = (ip, id, now) -> Future.succeededFuture(true);

  /** Counts one RegisterPk of {@code id} from {@code ip}; {@code false} when it must be refused. */
  Future<Boolean> allow(String ip, String id, long now);

  /** Forgets what was counted for {@code ip} (the admin's "ip-blocker &lt;ip&gt; -"); true if there was anything. */
  default Future<Boolean> lift(String ip) {
    return Future.succeededFuture(false);
  }
}
