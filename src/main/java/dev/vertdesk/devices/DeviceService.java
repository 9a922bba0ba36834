package dev.vertdesk.devices;

import dev.vertdesk.accounts.AccountException;
import dev.vertdesk.accounts.AccountException.Kind;
import dev.vertdesk.addressbook.SharedBooks;
import dev.vertdesk.config.DevicesConfig;
import dev.vertdesk.crypto.Nacl;
import dev.vertdesk.db.Database;
import dev.vertdesk.events.AssignmentChanges;
import dev.vertdesk.registry.PeerRegistry;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.store.PeerRecords;
import dev.vertdesk.store.StoredPeer;
import dev.vertdesk.strategy.StrategyBook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The devices as the API serves them: the calls devices make themselves (heartbeat, sysinfo),
 * those an admin's API token makes through the client binary (deploy, assign), and the admin's
 * inventory (list, enable, disable, delete, assign). Node-scoped, one per node running the API.
 * A device is known by the ID and uuid the rendezvous server registered (the peer table);
 * the inventory row holds what the API learnt of it.
 */
public final class DeviceService {

  /** What {@code POST /api/devices/deploy} answers in {@code result} (rustdesk/rustdesk: {@code src/ui_interface.rs}). */
  public enum DeployResult { OK, INVALID_INPUT, ID_TAKEN }

  /** Assignments, by the names the admin API and {@code rustdesk --assign} use. */
  public static final List<String> ASSIGNABLE = List.of("user_name", "device_group_name", "strategy_name", "note",
      "device_username", "device_name", "ab", "address_book_name");
  /** What {@code rustdesk --assign} sends with {@code address_book_name}, and only with it. */
  static final List<String> ADDRESS_BOOK_DETAILS = List.of("address_book_tag", "address_book_alias",
      "address_book_password", "address_book_note");
  /** Assignments from which a device's strategy and access rules are resolved. */
  private static final Set<DeviceInventory.Column> RESOLVED_FROM = Set.of(DeviceInventory.Column.USER,
      DeviceInventory.Column.DEVICE_GROUP, DeviceInventory.Column.STRATEGY);
  static final int MAX_NAME = 128;
  static final int MAX_NOTE = 1024;
  static final int MAX_ID_BYTES = 100;
  static final int MAX_UUID_BYTES = 1024;
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);

  private final DeviceInventory inventory;
  private final HeartbeatTracker tracker;
  private final PeerRecords peers;
  private final PeerRegistry registry;
  private final DeviceChanges changes;
  private final StrategyBook strategies;
  private final AssignmentChanges assignments;
  private final Disconnects disconnects;
  private final SharedBooks books;

  /**
   * @param strategies  this node's strategies, from which heartbeats resolve their device's
   * @param assignments announces devices whose assignments changed to every node
   * @param books       where {@code ab} and {@code address_book_name} assignments put a device
   */
  public DeviceService(Vertx vertx, DevicesConfig config, Database db, PeerRecords peers, PeerRegistry registry,
                       DeviceChanges changes, StrategyBook strategies, AssignmentChanges assignments,
                       SharedBooks books) {
    this.inventory = new DeviceInventory(db);
    this.tracker = new HeartbeatTracker(vertx, config, inventory, peers, System::currentTimeMillis);
    this.peers = peers;
    this.registry = registry;
    this.changes = changes;
    this.strategies = strategies;
    this.assignments = assignments;
    this.disconnects = new Disconnects(vertx, System::currentTimeMillis);
    this.books = books;
  }

  /** Starts the write-behind (on the caller's context); completes once other nodes' disconnects reach this one. */
  public Future<Void> start() {
    tracker.start();
    changes.onDeleted(tracker::forget);
    // read again at the next heartbeat, with what the device is assigned now
    strategies.onDevicesChanged(ids -> ids.forEach(tracker::forget));
    return disconnects.start();
  }

  /** Writes what the heartbeats changed. */
  public Future<Void> stop() {
    disconnects.stop();
    return tracker.stop();
  }

  // ------------------------------------------------------------------ the device's own calls

  /**
   * {@code POST /api/heartbeat}; {@code modifiedAt} is the version of the strategy the client
   * holds. Besides the sysinfo request, the answer carries the sessions an admin ended and the
   * device's strategy when the client's version differs (all from memory).
   */
  public Future<HeartbeatAnswer> heartbeat(String id, byte[] uuid, int[] conns, long modifiedAt) {
    return tracker.heartbeat(id, uuid, conns).map(answer -> {
      HeartbeatTracker.Tracked t = answer.device();
      if (t == null) {
        return answer;
      }
      int[] ended = disconnects.take(id, conns);
      if (ended.length > 0) {
        answer.disconnect(ended);
      }
      Assignments a = t.assignments;
      if (a != null) {
        StrategyBook.Resolved r = strategies.resolve(a.strategy(), a.user(), a.deviceGroup());
        if (r.modifiedAt() != modifiedAt) {
          if (r.strategy() == null) {
            answer.noStrategy();
          } else {
            answer.strategy(r.modifiedAt(), r.strategy());
          }
        }
      }
      return answer;
    });
  }

  /**
   * {@code POST /api/sysinfo}: stored when the rendezvous server knows the device; false when it
   * does not (the client then tries again on its next tick). Repeated identical uploads are
   * accepted: every client start uploads.
   */
  public Future<Boolean> sysinfo(String id, byte[] uuid, Sysinfo info) {
    return known(id, uuid).compose(known -> {
      if (!known) {
        return Future.succeededFuture(false);
      }
      long now = System.currentTimeMillis();
      return inventory.saveSysinfo(id, HeartbeatTracker.uuidText(uuid), info, now).map(v -> {
        tracker.sysinfoStored(id, uuid, now);
        return true;
      });
    });
  }

  /** The rendezvous server registered {@code id} with this uuid. */
  private Future<Boolean> known(String id, byte[] uuid) {
    return peers.findById(id).map(p -> sameUuid(p, uuid));
  }

  private static boolean sameUuid(StoredPeer p, byte[] uuid) {
    return p != null && p.uuid() != null && Arrays.equals(p.uuid(), uuid);
  }

  /** Decodes an API uuid (standard base64); {@code null} when it is not one. */
  public static byte[] uuidBytes(String text) {
    try {
      byte[] b = Base64.getDecoder().decode(text);
      return b.length == 0 || b.length > MAX_UUID_BYTES ? null : b;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ API token calls of the client binary

  /**
   * {@code POST /api/devices/deploy}: records the device as deployed (its row is created when
   * missing). ID_TAKEN when another machine holds the ID; a disabled device stays disabled and is
   * refused (CONFLICT), since deploying it would not let it register.
   */
  public Future<DeployResult> deploy(String id, String uuidText, String pkText) {
    byte[] uuid = uuidBytes(uuidText);
    byte[] pk = uuidBytes(pkText);
    if (!validId(id) || uuid == null || pk == null || pk.length != Nacl.SIGN_PUBLIC_KEY_BYTES
        || !Nacl.validSignPublicKey(pk)) {
      return Future.succeededFuture(DeployResult.INVALID_INPUT);
    }
    String uuidCanonical = HeartbeatTracker.uuidText(uuid);
    return Future.all(peers.findById(id), inventory.find(id)).compose(all -> {
      StoredPeer peer = all.resultAt(0);
      DeviceInventory.Inventoried row = all.resultAt(1);
      if ((peer != null && !sameUuid(peer, uuid))
          || (row != null && !row.uuid().isEmpty() && !row.uuid().equals(uuidCanonical))) {
        return Future.succeededFuture(DeployResult.ID_TAKEN);
      }
      if (row != null && !row.enabled()) {
        return Future.failedFuture(new AccountException(Kind.CONFLICT,
            "device " + id + " is disabled; an administrator must enable it"));
      }
      return inventory.deploy(id, uuidCanonical, Base64.getEncoder().encodeToString(pk), System.currentTimeMillis())
          .map(v -> {
            // registers at once on every node, also with devices.requireDeployment
            changes.announce(id, DeviceChanges.Change.DEPLOYED);
            return DeployResult.OK;
          });
    });
  }

  /**
   * {@code POST /api/devices/cli} ({@code rustdesk --assign}): the device identified by its ID and
   * uuid gets the given assignments. A device the rendezvous server knows gets a row if it has
   * none yet.
   */
  public Future<Void> assignByDevice(String id, String uuidText, Map<String, String> fields) {
    byte[] uuid = uuidBytes(uuidText);
    if (uuid == null) {
      return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, "uuid must be base64"));
    }
    String uuidCanonical = HeartbeatTracker.uuidText(uuid);
    Map<String, String> columns = new LinkedHashMap<>(fields);
    SharedBooks.Placement placement;
    try {
      placement = placement(columns);
    } catch (AccountException e) {
      return Future.failedFuture(e);
    }
    return resolve(columns, placement != null).compose(values -> inventory.byId(id).compose(row -> {
      if (row != null) {
        return Future.succeededFuture(row.uuid().equals(uuidCanonical) ? row.guid() : null);
      }
      return known(id, uuid).compose(known -> !known ? Future.succeededFuture((String) null)
          : inventory.insertKnown(id, uuidCanonical, System.currentTimeMillis())
              .compose(v -> inventory.byId(id)).map(DeviceRow::guid));
    }).compose(guid -> guid == null
        ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no device " + id + " with this uuid"))
        : apply(guid, id, values, placement)));
  }

  /**
   * Takes the address book assignment out of {@code fields}: {@code ab} (the admin's assign) or
   * {@code address_book_name} with its details; {@code null} when there is none. Details without a
   * book name, or a book without a name, are a bad request.
   */
  private static SharedBooks.Placement placement(Map<String, String> fields) {
    String ab = fields.remove("ab");
    String name = fields.remove("address_book_name");
    Map<String, String> details = new LinkedHashMap<>();
    for (String key : ADDRESS_BOOK_DETAILS) {
      String v = fields.remove(key);
      details.put(key, v == null ? "" : v);
    }
    if (ab != null && name != null) {
      throw new AccountException(Kind.BAD_REQUEST, "give ab or address_book_name, not both");
    }
    String book = ab != null ? ab : name;
    if (book == null) {
      if (details.values().stream().anyMatch(v -> !v.isEmpty())) {
        throw new AccountException(Kind.BAD_REQUEST, "address_book_tag, _alias, _password and _note need"
            + " address_book_name");
      }
      return null;
    }
    if (book.isEmpty() || !validText(book, MAX_NAME, false)) {
      throw new AccountException(Kind.BAD_REQUEST, "the address book is named by the name of a shared address book");
    }
    for (String v : details.values()) {
      if (!validText(v, MAX_NOTE, true)) {
        throw new AccountException(Kind.BAD_REQUEST, "address book details are no longer than " + MAX_NOTE
            + " characters, without control characters");
      }
    }
    return new SharedBooks.Placement(book, details.get("address_book_alias"), details.get("address_book_tag"),
        details.get("address_book_password"), details.get("address_book_note"));
  }

  /**
   * Writes the columns of an assignment (when they bear on the device's strategy or access, every
   * node reads it again), then puts the device into its address book, if any.
   */
  private Future<Void> apply(String guid, String id, Map<DeviceInventory.Column, Object> values,
      SharedBooks.Placement placement) {
    Future<Void> written = values.isEmpty() ? Future.succeededFuture() : inventory.update(guid, values).map(v -> {
      if (values.keySet().stream().anyMatch(RESOLVED_FROM::contains)) {
        assignments.devices(List.of(id));
      }
      return null;
    });
    return placement == null ? written : written.compose(v -> inventory.byGuid(guid)).compose(row -> {
      Map<String, String> device = new LinkedHashMap<>();
      device.put("hostname", row.shownName());
      device.put("username", row.shownUsername());
      device.put("platform", platform(row.os()));
      return books.place(row.id(), placement, device);
    });
  }

  /** The client's platform name for a sysinfo {@code os} ("windows / ..."), as its peer list derives it. */
  static String platform(String os) {
    String first = os.split(" / ", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    return switch (first) {
      case "windows" -> "Windows";
      case "linux" -> "Linux";
      case "macos" -> "Mac OS";
      case "android" -> "Android";
      default -> os.toLowerCase(java.util.Locale.ROOT).contains("linux") ? "Linux" : "";
    };
  }

  // ------------------------------------------------------------------ the admin's inventory

  /** {@code GET /api/devices}: one page, with each device's online state from the registry. */
  public Future<JsonObject> list(DeviceQuery q) {
    return inventory.page(q).compose(page -> {
      List<String> ids = new ArrayList<>(page.rows().size());
      page.rows().forEach(r -> ids.add(r.id()));
      return registry.onlineStates(ids).map(online -> {
        long now = System.currentTimeMillis();
        JsonArray data = new JsonArray();
        for (int i = 0; i < page.rows().size(); i++) {
          data.add(item(page.rows().get(i), online[i], now));
        }
        return new JsonObject().put("total", page.total()).put("data", data);
      });
    });
  }

  private JsonObject item(DeviceRow r, boolean online, long now) {
    PeerView registered = registry.cached(r.id());
    long lastOnline = online ? now : Math.max(Math.max(r.lastSeenAt(), tracker.lastSeen(r.id())),
        registered == null ? 0 : registered.lastRegMillis());
    int[] live = tracker.conns(r.id());
    JsonArray conns = live != null ? connsJson(live) : storedConns(r.conns());
    return new JsonObject()
        .put("guid", r.guid())
        .put("id", r.id())
        .put("status", r.enabled() ? 1 : 0)
        .put("is_online", online)
        .put("last_online", iso(lastOnline))
        .put("info", new JsonObject()
            .put("device_name", r.shownName())
            .put("username", r.shownUsername())
            .put("os", r.os())
            .put("cpu", r.cpu())
            .put("memory", r.memory())
            .put("version", r.version())
            .put("hostname", r.hostname()))
        .put("user_name", r.userName())
        .put("group_name", r.groupName())
        .put("device_group_name", r.deviceGroupName())
        .put("note", r.note())
        .put("conns", conns)
        .put("deployed", r.deployed())
        .put("deployed_at", iso(r.deployedAt()))
        .put("sysinfo_at", iso(r.sysinfoAt()))
        .put("created_at", iso(r.createdAt()));
  }

  private static JsonArray connsJson(int[] conns) {
    JsonArray a = new JsonArray();
    for (int c : conns) {
      a.add(c);
    }
    return a;
  }

  private static JsonArray storedConns(String text) {
    return text == null || text.isEmpty() ? new JsonArray() : new JsonArray(text);
  }

  /** ISO 8601 in UTC with milliseconds, always with the fraction (the admin scripts split on '.'). */
  static String iso(long millis) {
    return millis <= 0 ? null : ISO.format(Instant.ofEpochMilli(millis));
  }

  /**
   * {@code GET /api/peers}, the client's "accessible devices": every device for {@code viewer}
   * null (an admin), else the devices of the viewer and of the members of its user group. Items
   * as the client parses them (rustdesk/rustdesk: flutter/lib/common/hbbs/hbbs.dart,
   * {@code PeerPayload}): strings, {@code status} an int, {@code info} an object.
   *
   * @param enabled 1 enabled devices only, 0 disabled ones only, {@code null} all
   */
  public Future<JsonObject> accessible(String viewer, Integer enabled, dev.vertdesk.db.Page page) {
    return inventory.accessible(viewer, enabled, page).map(p -> {
      JsonArray data = new JsonArray();
      for (DeviceRow r : p.rows()) {
        data.add(new JsonObject()
            .put("id", r.id())
            .put("info", new JsonObject().put("username", r.shownUsername()).put("os", r.os())
                .put("device_name", r.shownName()))
            .put("status", r.enabled() ? 1 : 0)
            .put("user", r.userGuid() == null ? "" : r.userGuid())
            .put("user_name", r.userName() == null ? "" : r.userName())
            .put("device_group_name", r.deviceGroupName() == null ? "" : r.deviceGroupName())
            .put("note", r.note()));
      }
      return new JsonObject().put("total", p.total()).put("data", data);
    });
  }

  /** Enables or disables a device: every node refuses or admits it at once. */
  public Future<Void> setEnabled(String guid, boolean enabled) {
    return device(guid).compose(row -> inventory.setEnabled(guid, enabled).map(changed -> {
      changes.announce(row.id(), enabled ? DeviceChanges.Change.ENABLED : DeviceChanges.Change.DISABLED);
      return null;
    }));
  }

  /** Deletes a device from the inventory; a device still registered comes back with its next upload. */
  public Future<Void> delete(String guid) {
    return device(guid).compose(row -> inventory.delete(guid).map(deleted -> {
      changes.announce(row.id(), DeviceChanges.Change.DELETED);
      return null;
    }));
  }

  /** {@code POST /api/devices/{guid}/assign {type, value}}. */
  public Future<Void> assign(String guid, String type, String value) {
    Map<String, String> one = new LinkedHashMap<>();
    one.put(type, value);
    SharedBooks.Placement placement;
    try {
      placement = placement(one);
    } catch (AccountException e) {
      return Future.failedFuture(e);
    }
    return device(guid).compose(row -> resolve(one, placement != null)
        .compose(values -> apply(guid, row.id(), values, placement)));
  }

  /**
   * Ends live sessions of a device: {@code conns} (connection ids as its heartbeats report them),
   * or {@code null} for all of them. The device hears of it at its next heartbeat, on whichever
   * node; ending all also closes its relayed sessions at the relays at once.
   */
  public Future<Void> disconnect(String guid, int[] conns) {
    return device(guid).map(row -> {
      disconnects.request(row.id(), conns);
      return null;
    });
  }

  private Future<DeviceRow> device(String guid) {
    return inventory.byGuid(guid).compose(row -> row == null
        ? Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no device " + guid))
        : Future.succeededFuture(row));
  }

  /**
   * Checks assignments and resolves names into guids: an unknown type, or an address book's, is a
   * bad request; a user, device group or strategy that does not exist is not found; an empty name
   * clears.
   */
  private Future<Map<DeviceInventory.Column, Object>> resolve(Map<String, String> fields, boolean placed) {
    if (fields.isEmpty() && !placed) {
      return bad("nothing to assign: give one of " + String.join(", ", ASSIGNABLE));
    }
    Map<DeviceInventory.Column, Object> values = new EnumMap<>(DeviceInventory.Column.class);
    Future<Void> names = Future.succeededFuture();
    for (Map.Entry<String, String> f : fields.entrySet()) {
      String type = f.getKey();
      String value = f.getValue() == null ? "" : f.getValue();
      switch (type) {
        case "user_name", "device_group_name", "strategy_name" -> {
          if (!value.isEmpty() && !validText(value, MAX_NAME, false)) {
            return bad(type + " must be a name of no more than " + MAX_NAME + " characters");
          }
          DeviceInventory.Column column = switch (type) {
            case "user_name" -> DeviceInventory.Column.USER;
            case "device_group_name" -> DeviceInventory.Column.DEVICE_GROUP;
            default -> DeviceInventory.Column.STRATEGY;
          };
          if (value.isEmpty()) {
            values.put(column, null);
          } else {
            names = names.compose(v -> guidOf(column, value).compose(guid -> {
              if (guid == null) {
                return Future.failedFuture(new AccountException(Kind.NOT_FOUND, "no " + switch (column) {
                  case USER -> "user";
                  case DEVICE_GROUP -> "device group";
                  default -> "strategy";
                } + " named " + value));
              }
              values.put(column, guid);
              return Future.succeededFuture();
            }));
          }
        }
        case "note" -> {
          if (!validText(value, MAX_NOTE, true)) {
            return bad("note must be no longer than " + MAX_NOTE + " characters, without control characters");
          }
          values.put(DeviceInventory.Column.NOTE, value);
        }
        case "device_name", "device_username" -> {
          if (!value.isEmpty() && !validText(value, MAX_NAME, false)) {
            return bad(type + " must be no longer than " + MAX_NAME + " characters, without control characters");
          }
          values.put(type.equals("device_name") ? DeviceInventory.Column.DEVICE_NAME
              : DeviceInventory.Column.DEVICE_USERNAME, value);
        }
        default -> {
          return bad("unknown assignment " + type + "; expected one of " + String.join(", ", ASSIGNABLE));
        }
      }
    }
    return names.map(values);
  }

  /** The guid of the user, device group or strategy named {@code name}, or null. */
  private Future<String> guidOf(DeviceInventory.Column column, String name) {
    return switch (column) {
      case USER -> inventory.userGuid(name);
      case DEVICE_GROUP -> inventory.deviceGroupGuid(name);
      default -> inventory.strategyGuid(name);
    };
  }

  private static <T> Future<T> bad(String message) {
    return Future.failedFuture(new AccountException(Kind.BAD_REQUEST, message));
  }

  /** Text of at most {@code max} characters, without control characters (line breaks if allowed). */
  static boolean validText(String s, int max, boolean lines) {
    return s.length() <= max && s.codePoints().noneMatch(c -> Character.isISOControl(c)
        && !(lines && (c == '\n' || c == '\r' || c == '\t')));
  }

  /** An ID the rendezvous server would register: 6 to 100 bytes, no spaces or control characters. */
  static boolean validId(String id) {
    int bytes = id.getBytes(StandardCharsets.UTF_8).length;
    return bytes >= 6 && bytes <= MAX_ID_BYTES
        && id.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
  }
}
