package dev.vertdesk.registry;

import dev.vertdesk.config.ServerConfig.Limits;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.store.PeerStore;
import dev.vertdesk.store.StoreBusyException;
import dev.vertdesk.store.StoreClosedException;
import dev.vertdesk.store.StoredPeer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Single-node registry: one in-memory map of compact peer records in front of the store.
 * Records hold raw address bytes instead of {@link InetSocketAddress} objects to keep the heap
 * per registered device small (a million devices is a realistic node).
 */
public final class LocalPeerRegistry implements PeerRegistry {

  /** Longest ID we store; the peer table declares varchar(100). */
  static final int MAX_ID_BYTES = 100;
  static final int MAX_UUID_BYTES = 1024;
  static final int MAX_PK_BYTES = 1024;

  /** One device. Mutated only while holding its monitor. */
  static final class Peer {
    byte[] guid;
    byte[] uuid;
    byte[] pk;
    /** info.ip of hbbs: the address of the last accepted RegisterPk (stored with the row). */
    byte[] ip;
    /** socket_addr of hbbs: where the last accepted datagram came from (usually the same array as ip). */
    byte[] endIp;
    int port;
    long lastReg;
    long regPkLast;
    int regPkCount;
    boolean online;
    boolean dirty;
  }

  private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Future<Peer>> loading = new ConcurrentHashMap<>();
  private final AtomicInteger online = new AtomicInteger();
  private final PeerStore store;
  private final Limits limits;
  private final IpRegistrationLimiter ipLimiter;
  private final LongSupplier clock;
  private final RegistrationGate gate;

  public LocalPeerRegistry(PeerStore store, Limits limits, LongSupplier clock) {
    this(store, limits, clock, RegistrationGate.OPEN);
  }

  /** @param gate limits shared with other nodes, checked after this node's own */
  public LocalPeerRegistry(PeerStore store, Limits limits, LongSupplier clock, RegistrationGate gate) {
    this.store = store;
    this.limits = limits;
    this.ipLimiter = new IpRegistrationLimiter(limits);
    this.clock = clock;
    this.gate = gate;
  }

  @Override
  public Future<HeartbeatOutcome> heartbeat(String id, InetSocketAddress from) {
    Peer p = peers.get(id);
    if (p == null) {
      return Future.succeededFuture(HeartbeatOutcome.REQUEST_PK);
    }
    byte[] ip = from.getAddress().getAddress();
    long now = clock.getAsLong();
    boolean cameOnline;
    synchronized (p) {
      // against the endpoint once there is one, else the address of the stored row (§5.4.1 step 2)
      byte[] known = p.port != 0 && p.endIp != null ? p.endIp : p.ip;
      boolean ipChange = !Arrays.equals(ip, known) && !from.getAddress().isLoopbackAddress();
      if (p.pk == null || p.pk.length == 0 || ipChange) {
        return Future.succeededFuture(HeartbeatOutcome.REQUEST_PK);
      }
      if (!Arrays.equals(ip, p.endIp)) {
        p.endIp = ip; // a loopback source, which never counts as a move (§5.4.1)
      }
      p.port = from.getPort();
      cameOnline = touch(p, now);
    }
    return Future.succeededFuture(cameOnline ? HeartbeatOutcome.ONLINE : HeartbeatOutcome.REFRESHED);
  }

  /** Refreshes liveness; true when this moved the peer from offline to online. */
  private boolean touch(Peer p, long now) {
    p.lastReg = now;
    if (!p.online) {
      p.online = true;
      online.incrementAndGet();
      return true;
    }
    return false;
  }

  @Override
  public Future<RegisterPkOutcome> registerPk(String id, byte[] uuid, byte[] pk, InetSocketAddress from) {
    if (uuid.length == 0 || pk.length == 0 || uuid.length > MAX_UUID_BYTES || pk.length > MAX_PK_BYTES) {
      return Future.succeededFuture(RegisterPkOutcome.ignored());
    }
    int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
    if (idBytes < 6) {
      // Makes the client pick a fresh random ID: how hbbs migrates legacy short IDs.
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.UUID_MISMATCH, "short-id"));
    }
    if (idBytes > MAX_ID_BYTES) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.INVALID_ID_FORMAT, "long-id"));
    }
    long now = clock.getAsLong();
    String ipText = from.getAddress().getHostAddress();
    if (!ipLimiter.allow(ipText, id, now)) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "ip-rate"));
    }
    return gate.allow(ipText, id, now).compose(allowed -> allowed
        ? peerOrLoad(id, ipText).compose(p -> apply(id, p, uuid, pk, from, now)).recover(LocalPeerRegistry::storeUnavailable)
        : Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "cluster-rate")));
  }

  /**
   * The store had no room (a flood, a slow disk): TOO_FREQUENT, which the client takes as "try
   * again at the next registration" (docs/protocol.md §10.1). The store is closing: no answer.
   */
  private static Future<RegisterPkOutcome> storeUnavailable(Throwable e) {
    if (e instanceof StoreBusyException) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "store-busy"));
    }
    if (e instanceof StoreClosedException) {
      return Future.succeededFuture(RegisterPkOutcome.dropped());
    }
    return Future.failedFuture(e);
  }

  private Future<RegisterPkOutcome> apply(String id, Peer p, byte[] uuid, byte[] pk,
                                          InetSocketAddress from, long now) {
    byte[] ip = from.getAddress().getAddress();
    boolean created;
    boolean changed;
    boolean cameOnline;
    byte[] guid;
    String previousIp;
    synchronized (p) {
      // a stored row without a uuid counts as a new peer (§5.4.2 step 5), not as another machine
      created = p.uuid == null || p.uuid.length == 0;
      previousIp = !created && p.ip != null && !Arrays.equals(ip, p.ip) ? ipText(p.ip) : null;
      if (!created) {
        boolean sameIp = Arrays.equals(ip, p.ip);
        boolean samePk = Arrays.equals(pk, p.pk);
        if (!Arrays.equals(uuid, p.uuid) || (!sameIp && !samePk)) {
          // Another machine claims this ID (or a moved one with a new key): it must renumber.
          return Future.succeededFuture(RegisterPkOutcome.refused(Result.UUID_MISMATCH, "uuid-mismatch"));
        }
        changed = !samePk || !sameIp;
      } else {
        changed = true;
      }
      boolean idWindowOver = now - p.regPkLast > limits.idWindowSeconds() * 1000L;
      if (!idWindowOver && p.regPkCount >= limits.idMaxPerWindow()) {
        return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "id-rate"));
      }
      if ((changed || p.dirty) && !store.acceptsWrite(from.getAddress().getHostAddress())) {
        // refused before anything changes: the device registers again later, as after TOO_FREQUENT
        return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "store-busy"));
      }
      if (idWindowOver) {
        p.regPkCount = 0;
      }
      p.regPkCount++;
      p.regPkLast = now;
      // Unlike hbbs, an accepted RegisterPk always refreshes liveness: a device is reachable
      // right after a restart instead of ~15 s later.
      p.uuid = uuid;
      p.pk = pk;
      p.ip = ip;
      p.endIp = ip;
      p.port = from.getPort();
      cameOnline = touch(p, now);
      if (!changed && !p.dirty) {
        return Future.succeededFuture(new RegisterPkOutcome(Result.OK, "", false, false, cameOnline));
      }
      p.dirty = true;
      guid = p.guid;
    }
    return write(guid, id, uuid, pk, from).transform(ar -> {
      synchronized (p) {
        if (ar.succeeded()) {
          p.guid = ar.result();
          p.dirty = false;
        }
      }
      if (ar.failed()) {
        // Memory keeps the device reachable; the answer makes it retry, and dirty makes that
        // retry write the row again. hbbs logs and answers OK, losing the row.
        if (ar.cause() instanceof StoreBusyException || ar.cause() instanceof StoreClosedException) {
          return storeUnavailable(ar.cause());
        }
        return Future.succeededFuture(RegisterPkOutcome.notStored(created, cameOnline, ar.cause()));
      }
      return Future.succeededFuture(new RegisterPkOutcome(Result.OK, "", created, true, cameOnline, previousIp));
    });
  }

  /** The client's rule for custom IDs (rustdesk {@code is_valid_custom_id}). */
  static final java.util.regex.Pattern CUSTOM_ID = java.util.regex.Pattern.compile("[a-zA-Z][\\w-]{5,15}",
      // the client checks it with Rust's regex crate, whose \w takes any Unicode letter or digit
      java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);

  @Override
  public Future<RegisterPkOutcome> changeId(String oldId, String newId, byte[] uuid, byte[] pk,
                                            InetSocketAddress from) {
    if (!CUSTOM_ID.matcher(newId).matches()) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.INVALID_ID_FORMAT, "invalid-id"));
    }
    if (uuid.length == 0 || oldId.equals(newId)) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.UUID_MISMATCH, "id-change-not-owner"));
    }
    long now = clock.getAsLong();
    if (!ipLimiter.allow(from.getAddress().getHostAddress(), newId, now)) {
      return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "ip-rate"));
    }
    String ipText = from.getAddress().getHostAddress();
    return memoryFirst(oldId, ipText).compose(old -> {
      if (old == null) {
        return Future.succeededFuture(RegisterPkOutcome.refused(Result.UUID_MISMATCH, "id-change-not-owner"));
      }
      synchronized (old) {
        if (old.uuid == null || !Arrays.equals(uuid, old.uuid) || (pk.length > 0 && !Arrays.equals(pk, old.pk))) {
          return Future.succeededFuture(RegisterPkOutcome.refused(Result.UUID_MISMATCH, "id-change-not-owner"));
        }
      }
      return memoryFirst(newId, ipText).compose(existing -> {
        // claim the new ID in memory first, so two concurrent changes cannot both take it
        if (existing != null || peers.putIfAbsent(newId, old) != null) {
          return Future.succeededFuture(RegisterPkOutcome.refused(Result.ID_EXISTS, "id-exists"));
        }
        byte[] guid;
        byte[] keyToStore;
        synchronized (old) {
          guid = old.guid;
          keyToStore = old.pk;
        }
        return write(guid, newId, uuid, keyToStore, from).transform(ar -> {
          if (ar.failed()) {
            peers.remove(newId, old);
            if (ar.cause() instanceof StoreBusyException) {
              return Future.succeededFuture(RegisterPkOutcome.refused(Result.TOO_FREQUENT, "store-busy"));
            }
            return Future.succeededFuture(RegisterPkOutcome.notStored(false, false, ar.cause()));
          }
          synchronized (old) {
            old.guid = ar.result();
          }
          peers.remove(oldId, old);
          return Future.succeededFuture(new RegisterPkOutcome(Result.OK, "", false, true, false));
        });
      });
    });
  }

  /**
   * Forgets a record this node holds only as a copy of the store (the device is not online here
   * and nothing is waiting to be written), so that the next registration reads the shared store
   * again: in a cluster another node may have changed the device's key or address since.
   */
  public void forgetCopy(String id) {
    Peer p = peers.get(id);
    if (p == null) {
      return;
    }
    synchronized (p) {
      if (p.online || p.dirty) {
        return;
      }
    }
    peers.remove(id, p);
  }

  /**
   * Another node took the device over (its heartbeats arrive there now): it is no longer online
   * here, silently, since it did not go offline. True when it was online here.
   */
  public boolean release(String id) {
    Peer p = peers.get(id);
    if (p == null) {
      return false;
    }
    synchronized (p) {
      if (!p.online) {
        return false;
      }
      p.lastReg = 0;
      p.online = false;
    }
    online.decrementAndGet();
    return true;
  }

  @Override
  public boolean disconnected(String id, InetSocketAddress endpoint) {
    Peer p = peers.get(id);
    if (p == null) {
      return false;
    }
    synchronized (p) {
      boolean same = p.port == endpoint.getPort() && Arrays.equals(p.endIp, endpoint.getAddress().getAddress());
      if (!same || !p.online) {
        return false;
      }
      p.lastReg = 0;
      p.online = false;
    }
    online.decrementAndGet();
    return true;
  }

  /** Inserts a row for a record never stored, else updates it; completes with its guid. */
  private Future<byte[]> write(byte[] guid, String id, byte[] uuid, byte[] pk, InetSocketAddress from) {
    String ip = from.getAddress().getHostAddress();
    return guid == null ? store.insert(id, uuid, pk, ip) : store.update(guid, id, pk, ip).map(v -> guid);
  }

  /** The in-memory record, else the stored row loaded into memory, else a new empty record. */
  private Future<Peer> peerOrLoad(String id, String clientIp) {
    return memoryFirst(id, clientIp).map(p -> p != null ? p : peers.computeIfAbsent(id, k -> new Peer()));
  }

  /** @param clientIp who asks, for the store's fairness between client networks; null for the node */
  private Future<Peer> memoryFirst(String id, String clientIp) {
    Peer p = peers.get(id);
    return p != null ? Future.succeededFuture(p) : load(id, clientIp);
  }

  /** Loads a stored row once even when several requests miss at the same time; null if absent. */
  private Future<Peer> load(String id, String clientIp) {
    Promise<Peer> promise = Promise.promise();
    Future<Peer> existing = loading.putIfAbsent(id, promise.future());
    if (existing != null) {
      return existing;
    }
    store.findById(id, clientIp).onComplete(ar -> {
      loading.remove(id);
      if (ar.failed()) {
        promise.fail(ar.cause());
        return;
      }
      StoredPeer row = ar.result();
      if (row == null) {
        promise.complete(peers.get(id));
        return;
      }
      Peer fresh = new Peer();
      fresh.guid = row.guid();
      fresh.uuid = row.uuid();
      fresh.pk = row.pk();
      fresh.ip = parseIp(row.ip());
      promise.complete(peers.computeIfAbsent(id, k -> fresh));
    });
    return promise.future();
  }

  private static String ipText(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      return null; // 4 or 16 bytes by construction
    }
  }

  /** Parses a stored IP literal (never DNS) into normalised bytes; null if unusable. */
  static byte[] parseIp(String text) {
    if (text == null || text.isEmpty() || !text.matches("[0-9a-fA-F.:]+")) {
      return null;
    }
    try {
      InetAddress a = InetAddress.getByName(text);
      return dev.vertdesk.protocol.AddrMangle.normalize(a).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public Future<PeerView> lookup(String id) {
    return memoryFirst(id, null).map(p -> p == null ? null : view(id, p));
  }

  @Override
  public PeerView cached(String id) {
    Peer p = peers.get(id);
    return p == null ? null : view(id, p);
  }

  private PeerView view(String id, Peer p) {
    long now = clock.getAsLong();
    synchronized (p) {
      InetSocketAddress endpoint = null;
      if (p.endIp != null && p.port != 0) {
        try {
          endpoint = new InetSocketAddress(InetAddress.getByAddress(p.endIp), p.port);
        } catch (UnknownHostException e) {
          throw new IllegalStateException(e); // 4 or 16 bytes by construction
        }
      }
      return new PeerView(id, p.pk, endpoint, p.lastReg, isOnline(p, now));
    }
  }

  private static boolean isOnline(Peer p, long now) {
    return p.lastReg != 0 && now - p.lastReg < REG_TIMEOUT_MILLIS;
  }

  @Override
  public Future<boolean[]> onlineStates(List<String> ids) {
    return Future.succeededFuture(onlineHere(ids));
  }

  /** {@link #onlineStates} without the future: this node's memory only. */
  public boolean[] onlineHere(List<String> ids) {
    long now = clock.getAsLong();
    boolean[] out = new boolean[ids.size()];
    for (int i = 0; i < out.length; i++) {
      Peer p = peers.get(ids.get(i));
      if (p != null) {
        synchronized (p) {
          out[i] = isOnline(p, now);
        }
      }
    }
    return out;
  }

  @Override
  public void sweepExpired(Consumer<String> offline) {
    long now = clock.getAsLong();
    peers.forEach((id, p) -> {
      boolean expired;
      synchronized (p) {
        expired = p.online && !isOnline(p, now);
        if (expired) {
          p.online = false;
        }
      }
      if (expired) {
        online.decrementAndGet();
        offline.accept(id);
      }
    });
    ipLimiter.prune(now);
  }

  @Override
  public int size() {
    return peers.size();
  }

  @Override
  public int onlineCount() {
    return online.get();
  }

  @Override
  public IpRegistrationLimiter ipLimiter() {
    return ipLimiter;
  }

  @Override
  public Future<Boolean> liftIpLimit(String ip) {
    boolean here = ipLimiter.remove(ip);
    return gate.lift(ip).map(shared -> here || shared);
  }

  @Override
  public List<PeerView> list(String prefix, boolean onlineOnly, int limit) {
    if (limit <= 0) {
      return List.of();
    }
    java.util.TreeMap<String, Peer> matching = new java.util.TreeMap<>();
    long now = clock.getAsLong();
    peers.forEach((id, p) -> {
      if (!id.startsWith(prefix) || (matching.size() >= limit && id.compareTo(matching.lastKey()) > 0)) {
        return;
      }
      if (onlineOnly) {
        synchronized (p) {
          if (!isOnline(p, now)) {
            return;
          }
        }
      }
      matching.put(id, p);
      if (matching.size() > limit) {
        matching.pollLastEntry();
      }
    });
    List<PeerView> out = new java.util.ArrayList<>(matching.size());
    matching.forEach((id, p) -> out.add(view(id, p)));
    return out;
  }
}
