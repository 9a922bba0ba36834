package dev.vertdesk.devices;

import dev.vertdesk.db.Database;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.registry.DeployedDevices;
import dev.vertdesk.registry.DisabledDevices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's {@link DisabledDevices} (and {@link DeployedDevices}) equal to the inventory: read when the node opens its
 * database, changed at once by the admin's announcements ({@link Addresses#DEVICES_CHANGED},
 * published to every node of a cluster), and read again every
 * {@code devices.disabledRefreshSeconds} in case an announcement was missed. Runs on every node
 * that registers devices or signals, with or without the API.
 */
public final class DeviceChanges {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceChanges.class);

  /** What happened to a device. */
  public enum Change {
    DISABLED, ENABLED, DELETED, DEPLOYED;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Change of(String label) {
      for (Change c : values()) {
        if (c.label().equals(label)) {
          return c;
        }
      }
      return null;
    }
  }

  private final Vertx vertx;
  private final DeviceInventory inventory;
  private final DisabledDevices disabled;
  private final DeployedDevices deployed;
  private final List<Consumer<String>> onDeleted = new CopyOnWriteArrayList<>();
  /** Bumped by every change applied: a re-read that started before one is not applied. */
  private final AtomicLong changes = new AtomicLong();
  private final RepeatedLog warnings = new RepeatedLog(LOG, 60_000);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;

  private DeviceChanges(Vertx vertx, Database db, DisabledDevices disabled, DeployedDevices deployed) {
    this.vertx = vertx;
    this.inventory = new DeviceInventory(db);
    this.disabled = disabled;
    this.deployed = deployed;
  }

  /**
   * Listens to the announcements, then reads the disabled devices (and the deployed ones, when
   * deployment is required); fails if that read fails.
   */
  public static Future<DeviceChanges> start(Vertx vertx, Database db, DisabledDevices disabled,
                                            DeployedDevices deployed, int refreshSeconds) {
    DeviceChanges c = new DeviceChanges(vertx, db, disabled, deployed);
    c.consumer = vertx.eventBus().consumer(Addresses.DEVICES_CHANGED, m -> c.apply(m.body()));
    return c.consumer.completion().compose(v -> c.reread()).map(v -> {
      c.timer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(refreshSeconds), t -> c.reread()
          .onFailure(e -> c.warnings.warn("disabled-read", "disabled devices not read again: {}", e.toString())));
      if (disabled.size() > 0) {
        LOG.info("{} disabled device(s)", disabled.size());
      }
      if (deployed.required()) {
        LOG.info("deployment required (devices.requireDeployment): {} deployed device(s)", deployed.size());
      }
      return c;
    });
  }

  private Future<Void> reread() {
    long before = changes.get();
    Future<List<String>> deployedIds = deployed.required() ? inventory.deployedIds() : Future.succeededFuture(List.of());
    return Future.all(inventory.disabledIds(), deployedIds).map(all -> {
      if (changes.get() == before) {
        disabled.replaceAll(all.resultAt(0));
        deployed.replaceAll(all.resultAt(1));
      }
      return null;
    });
  }

  /** Applies a change here at once and announces it to every other node. */
  public void announce(String id, Change change) {
    JsonObject body = new JsonObject().put("id", id).put("change", change.label());
    apply(body);
    vertx.eventBus().publish(Addresses.DEVICES_CHANGED, body);
  }

  private void apply(JsonObject body) {
    Object id = body == null ? null : body.getValue("id");
    Object label = body == null ? null : body.getValue("change");
    Change change = label instanceof String s ? Change.of(s) : null;
    if (!(id instanceof String device) || change == null) {
      warnings.warn("device-change", "ignored a malformed device change: {}", body);
      return;
    }
    changes.incrementAndGet();
    switch (change) {
      case DISABLED -> disabled.disable(device);
      case ENABLED -> disabled.enable(device);
      case DELETED -> {
        disabled.enable(device);
        deployed.remove(device);
        onDeleted.forEach(l -> l.accept(device));
      }
      case DEPLOYED -> deployed.add(device);
    }
  }

  /** {@code action} runs with every device deleted, on this node or another. */
  void onDeleted(Consumer<String> action) {
    onDeleted.add(action);
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
  }
}
