package dev.vertdesk.rendezvous;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay servers handed to devices (docs/protocol.md §5.6). With more than one entry, a health
 * check connects to each every 3 s and only reachable ones are handed out, round-robin. An
 * empty list hands out {@code ""}, so clients fall back to their own relay setting.
 */
public final class RelayServerList {

  private static final Logger LOG = LoggerFactory.getLogger(RelayServerList.class);
  static final long CHECK_PERIOD_MILLIS = 3_000;
  static final int DEFAULT_RELAY_PORT = 21117;

  private volatile List<String> configured;
  private volatile List<String> active;
  private final AtomicInteger rotation = new AtomicInteger();
  private Vertx vertx;
  private NetClient client;
  private long timer = -1;

  public RelayServerList(List<String> servers) {
    this.configured = List.copyOf(servers);
    this.active = this.configured;
  }

  /** Next relay for one request; {@code ""} when none is configured. */
  public String next() {
    List<String> list = active;
    if (list.isEmpty()) {
      return "";
    }
    if (list.size() == 1) {
      return list.get(0);
    }
    return list.get(Math.floorMod(rotation.getAndIncrement(), list.size()));
  }

  public List<String> configured() {
    return configured;
  }

  public List<String> active() {
    return active;
  }

  /** Replaces the list (admin command); reachable entries are re-checked at the next tick. */
  public void replace(List<String> servers) {
    configured = List.copyOf(servers);
    active = configured;
  }

  public void startHealthChecks(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) CHECK_PERIOD_MILLIS));
    timer = vertx.setPeriodic(CHECK_PERIOD_MILLIS, id -> check());
  }

  public Future<Void> stop() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return client == null ? Future.succeededFuture() : client.close();
  }

  private void check() {
    List<String> list = configured;
    if (list.size() < 2) {
      active = list; // a single relay is handed out whatever its health, as hbbs does
      return;
    }
    List<Future<Boolean>> probes = new ArrayList<>();
    for (String entry : list) {
      probes.add(probe(entry));
    }
    Future.join(probes).onComplete(ar -> {
      List<String> reachable = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        if (Boolean.TRUE.equals(probes.get(i).result())) {
          reachable.add(list.get(i));
        }
      }
      if (configured == list) {
        if (!reachable.equals(active) && !reachable.isEmpty()) {
          LOG.info("reachable relay servers: {}", reachable);
        }
        if (!reachable.isEmpty()) {
          active = List.copyOf(reachable); // none reachable: keep handing out the last good set
        }
      }
    });
  }

  private Future<Boolean> probe(String entry) {
    String host = entry;
    int port = DEFAULT_RELAY_PORT;
    try {
      int colon = entry.lastIndexOf(':');
      if (entry.startsWith("[") && entry.contains("]")) {
        host = entry.substring(1, entry.indexOf(']'));
        if (entry.contains("]:")) {
          port = Integer.parseInt(entry.substring(entry.indexOf("]:") + 2));
        }
      } else if (colon > 0 && entry.indexOf(':') == colon) {
        host = entry.substring(0, colon);
        port = Integer.parseInt(entry.substring(colon + 1));
      }
    } catch (NumberFormatException e) {
      return Future.succeededFuture(false);
    }
    return client.connect(port, host)
        .map(socket -> {
          socket.close();
          return true;
        })
        .otherwise(false);
  }
}
