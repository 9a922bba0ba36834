package dev.vertdesk.rendezvous;

import com.google.protobuf.ByteString;
import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.proto.FetchLocalAddr;
import dev.vertdesk.proto.IdPk;
import dev.vertdesk.proto.LocalAddr;
import dev.vertdesk.proto.NatType;
import dev.vertdesk.proto.OnlineRequest;
import dev.vertdesk.proto.PunchHole;
import dev.vertdesk.proto.PunchHoleRequest;
import dev.vertdesk.proto.PunchHoleResponse;
import dev.vertdesk.proto.PunchHoleResponse.Failure;
import dev.vertdesk.proto.PunchHoleSent;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RelayResponse;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.RequestRelay;
import dev.vertdesk.proto.TestNatResponse;
import dev.vertdesk.protocol.AddrMangle;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.registry.PeerView;
import dev.vertdesk.node.NodeCore;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signaling between the controlling side (A) and the controlled device (B), docs/protocol.md
 * §5.4.3–§5.4.9, independent of the transport that carries it. One instance serves every
 * connection of a node; per-connection state is the connection itself.
 */
public final class SignalingService {

  private static final Logger LOG = LoggerFactory.getLogger(SignalingService.class);
  /**
   * Requests (PunchHoleRequest, RequestRelay, HttpProxyRequest) one connection may make. Clients
   * send at most three PunchHoleRequests, or one RequestRelay or HttpProxyRequest, per connection;
   * a connection that keeps asking is using the server to flood a device with datagrams or the API
   * with requests, and is closed.
   */
  static final int MAX_REQUESTS_PER_CONNECTION = 8;
  /** What a client without a login is shown when logins are required (mustLogin). */
  static final String LOGIN_REQUIRED = "This server only connects signed-in users: log in first";
  /** ... with a token that is forged, expired, logged out or of a disabled user. */
  static final String LOGIN_INVALID = "Your login is no longer valid: log out and log in again";
  /** ... when the accounts cannot be asked (the database is down). */
  static final String LOGIN_UNCHECKED = "The login could not be checked; try again later";

  /**
   * What the controlling side is shown for a device an admin disabled: the client displays
   * {@code other_failure} and {@code refuse_reason} as they come (docs/protocol.md §14).
   */
  public static final String DISABLED_TEXT = "The remote device has been disabled by the administrator";
  /** The outcome of a punch request the access rules refused, in events. */
  static final String ACCESS_DENIED = "ACCESS_DENIED";

  /** Lookups fail together when the store does (a full disk, a pool closing at shutdown): one line per interval. */
  private final RepeatedLog lookupFailures = new RepeatedLog(LOG, 10_000);
  private final Vertx vertx;
  private final NodeCore core;
  private final RendezvousContext rendezvous;
  private final RegistrationService registration;
  private final ServerConfig config;
  private final Optional<LoginCheck> loginRequired;
  private final AccessCheck access;
  /** While the accounts cannot be asked every punch would say so: once a minute is enough. */
  private final RepeatedLog loginWarnings = new RepeatedLog(LOG, 60_000);
  private final ApiTunnel apiTunnel;

  /** A service without access control between groups. */
  public SignalingService(Vertx vertx, NodeCore core, RendezvousContext rendezvous, RegistrationService registration,
                          Optional<LoginCheck> loginRequired) {
    this(vertx, core, rendezvous, registration, loginRequired, AccessCheck.NONE);
  }

  /**
   * @param loginRequired present when controlling clients must be signed in (mustLogin)
   * @param access        the access rules a signed-in controller's requests must pass
   */
  public SignalingService(Vertx vertx, NodeCore core, RendezvousContext rendezvous, RegistrationService registration,
                          Optional<LoginCheck> loginRequired, AccessCheck access) {
    this.vertx = vertx;
    this.access = access;
    this.core = core;
    this.rendezvous = rendezvous;
    this.registration = registration;
    this.config = core.config().server();
    this.loginRequired = loginRequired;
    this.apiTunnel = new ApiTunnel(vertx.eventBus(), core.events(),
        core.config().signaling().options().httpProxyTimeoutMillis());
    // a device linked over a connection stays registered while the link lives: end it
    rendezvous.disabled().onDisabled(id -> {
      SignalingConnection link = rendezvous.links().get(id);
      if (link != null) {
        link.close();
      }
    });
  }

  /**
   * Handles one message. PunchHoleRequest and RequestRelay keep the connection open (A waits on
   * it for B's answer), and so does an HttpProxyRequest (the client reads its answer, then hangs
   * up); everything else is answered, then the connection is closed.
   */
  public void handle(SignalingConnection c, RendezvousMessage m) {
    switch (m.getUnionCase()) {
      case PUNCH_HOLE_REQUEST -> {
        if (withinRequestBudget(c)) {
          punchHoleRequest(c, m.getPunchHoleRequest());
        }
      }
      case REQUEST_RELAY -> {
        if (withinRequestBudget(c)) {
          requestRelay(c, m.getRequestRelay());
        }
      }
      case HTTP_PROXY_REQUEST -> {
        if (!c.secured()) {
          // clients send it only after the handshake of §6.4; in clear it would expose passwords
          // and tokens, so it is closed, as hbbs closes it (docs/protocol.md §5.4.13)
          core.events().rejected("signaling", "http-proxy-in-clear", RegistrationService.ip(c.remote()), "");
          c.close();
        } else if (withinRequestBudget(c)) {
          apiTunnel.forward(c, m.getHttpProxyRequest());
        }
      }
      case PUNCH_HOLE_SENT -> punchHoleSent(c, m.getPunchHoleSent());
      case LOCAL_ADDR -> localAddr(c, m.getLocalAddr());
      case RELAY_RESPONSE -> relayResponse(c, m.getRelayResponse());
      case TEST_NAT_REQUEST -> testNat(c, m.getTestNatRequest().getSerial(), true);
      case ONLINE_REQUEST -> online(c, m.getOnlineRequest());
      case REGISTER_PK -> {
        RegisterPk rk = m.getRegisterPk();
        if (rk.getOldId().isEmpty()) {
          registerOverConnection(c, rk);
        } else {
          changeId(c, rk);
        }
      }
      default -> {
        core.events().rejected("signaling", "unexpected-message:" + m.getUnionCase(), RegistrationService.ip(c.remote()), "");
        c.close();
      }
    }
  }

  private boolean withinRequestBudget(SignalingConnection c) {
    if (c.countRequest() <= MAX_REQUESTS_PER_CONNECTION) {
      return true;
    }
    core.events().rejected("signaling", "too-many-requests", RegistrationService.ip(c.remote()), "");
    c.close();
    return false;
  }

  /**
   * The first PunchHoleRequest/RequestRelay makes the connection A's answer sink; completes once
   * B's answer can find it from any node.
   */
  private Future<Void> waitForAnswer(SignalingConnection c) {
    return c.answerRoute(() -> {
      InetSocketAddress key = c.remote();
      Future<Void> routable = rendezvous.answers().await(key, c);
      c.onClose(() -> rendezvous.answers().cancel(key, c));
      return routable;
    });
  }

  void punchHoleRequest(SignalingConnection c, PunchHoleRequest req) {
    Future<Void> routable = waitForAnswer(c);
    String id = req.getId();
    Optional<String> key = core.keys().validationKey();
    if (key.isPresent() && !key.get().equals(req.getLicenceKey())) {
      failPunch(c, id, Failure.LICENSE_MISMATCH);
      return;
    }
    if (rendezvous.disabled().contains(id)) {
      // OFFLINE for clients too old to show the text
      c.send(Envelopes.punchHoleRefusal(Failure.OFFLINE, DISABLED_TEXT));
      core.events().punchRequested(RegistrationService.ip(c.remote()), id, null, RegistrationService.DISABLED);
      return;
    }
    String from = RegistrationService.ip(c.remote());
    loginRefusal(req.getToken()).onSuccess(refusal -> {
      if (refusal != null) {
        // the client shows other_failure as it is (rustdesk/rustdesk: src/client.rs)
        c.send(RendezvousMessage.newBuilder().setPunchHoleResponse(PunchHoleResponse.newBuilder()
            .setOtherFailure(refusal)).build());
        core.events().punchRequested(from, id, null, "LOGIN_REQUIRED");
      } else {
        access.refusal(req.getToken(), id, from).onSuccess(denied -> {
          if (denied != null) {
            c.send(RendezvousMessage.newBuilder().setPunchHoleResponse(PunchHoleResponse.newBuilder()
                .setOtherFailure(denied)).build());
            core.events().punchRequested(from, id, null, ACCESS_DENIED);
          } else {
            lookUpAndPunch(c, req, routable);
          }
        });
      }
    });
  }

  /**
   * Null when the request may go on: logins are not required, or {@code token} is a signed-in
   * user's; else the text the client shows (docs/protocol.md §5.4.3).
   */
  private Future<String> loginRefusal(String token) {
    if (loginRequired.isEmpty()) {
      return Future.succeededFuture(null);
    }
    if (token.isEmpty()) {
      return Future.succeededFuture(LOGIN_REQUIRED);
    }
    return loginRequired.get().signedIn(token).transform(ar -> {
      if (ar.failed()) {
        loginWarnings.warn("login-unchecked", "login token not checked: {}", ar.cause().toString());
        return Future.succeededFuture(LOGIN_UNCHECKED);
      }
      return Future.succeededFuture(ar.result() ? null : LOGIN_INVALID);
    });
  }

  private void lookUpAndPunch(SignalingConnection c, PunchHoleRequest req, Future<Void> routable) {
    String id = req.getId();
    Future.all(routable, core.registry().lookup(id)).map(all -> all.<PeerView>resultAt(1)).onComplete(ar -> {
      if (ar.failed()) {
        lookupFailures.error("punch-lookup", "peer lookup for {} failed: {}", id, ar.cause().toString());
        failPunch(c, id, Failure.OFFLINE);
        return;
      }
      PeerView b = ar.result();
      if (b == null) {
        failPunch(c, id, Failure.ID_NOT_EXIST);
      } else if (!b.online()) {
        failPunch(c, id, Failure.OFFLINE);
      } else {
        punch(c, req, b);
      }
    });
  }

  private void punch(SignalingConnection c, PunchHoleRequest req, PeerView b) {
    InetSocketAddress a = c.remote();
    String relay = rendezvous.relays().next();
    // the raw value: a client newer than our schema may send a type we do not know, and hbbs
    // passes it on as it came (the enum accessor would throw on it)
    int natType = req.getNatTypeValue();
    boolean aLan = isLan(a.getAddress());
    boolean bLan = isLan(b.endpoint().getAddress());
    boolean forced = rendezvous.alwaysUseRelay().get() || req.getForceRelay() || (aLan ^ bLan);
    if (forced) {
      if (bLan) {
        relay = config.localIp(); // B is on our LAN: give it the relay's LAN address
      }
      natType = NatType.SYMMETRIC_VALUE;
    }
    // ALWAYS_USE_RELAY does not stop LAN direct connections (§12 item 18); a client that asks
    // for relay itself does.
    boolean sameIntranet = !c.webSocket() && !req.getForceRelay()
        && ((aLan && bLan) || a.getAddress().equals(b.endpoint().getAddress()));
    ByteString mangledA = ByteString.copyFrom(AddrMangle.encode(a));
    RendezvousMessage toB;
    String outcome;
    if (sameIntranet) {
      toB = RendezvousMessage.newBuilder().setFetchLocalAddr(FetchLocalAddr.newBuilder()
          .setSocketAddr(mangledA).setRelayServer(relay)).build();
      outcome = "local";
    } else {
      toB = RendezvousMessage.newBuilder().setPunchHole(PunchHole.newBuilder()
          .setSocketAddr(mangledA).setNatTypeValue(natType).setRelayServer(relay)).build();
      outcome = "punch";
    }
    rendezvous.messenger().send(b, toB).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("could not signal {} at {}: {}", b.id(), b.endpoint(), ar.cause().getMessage());
        failPunch(c, b.id(), Failure.OFFLINE);
      } else {
        core.events().punchRequested(RegistrationService.ip(a), b.id(), b.endpoint() == null ? null : RegistrationService.ip(b.endpoint()), outcome);
      }
    });
  }

  private void failPunch(SignalingConnection c, String id, Failure failure) {
    // Sent straight to A: the routing entry stays for B's answer to an earlier attempt.
    c.send(Envelopes.punchHoleFailure(failure));
    core.events().punchRequested(RegistrationService.ip(c.remote()), id, null, failure.name());
  }

  void requestRelay(SignalingConnection c, RequestRelay rr) {
    if (rendezvous.disabled().contains(rr.getId())) {
      c.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
          .setUuid(rr.getUuid()).setRefuseReason(DISABLED_TEXT)).build());
      core.events().rejected("signaling", RegistrationService.DISABLED, RegistrationService.ip(c.remote()), rr.getId());
      return;
    }
    String from = RegistrationService.ip(c.remote());
    loginRefusal(rr.getToken()).onSuccess(refusal -> {
      if (refusal != null) {
        // the client gives up with refuse_reason as its error (rustdesk/rustdesk: src/client.rs)
        c.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
            .setRefuseReason(refusal)).build());
        core.events().rejected("signaling", "login-required", from, rr.getId());
        return;
      }
      access.refusal(rr.getToken(), rr.getId(), from).onSuccess(denied -> {
        if (denied != null) {
          c.send(RendezvousMessage.newBuilder().setRelayResponse(RelayResponse.newBuilder()
              .setUuid(rr.getUuid()).setRefuseReason(denied)).build());
          core.events().rejected("signaling", "access-denied", from, rr.getId());
        } else {
          forwardRelayRequest(c, rr);
        }
      });
    });
  }

  private void forwardRelayRequest(SignalingConnection c, RequestRelay rr) {
    // the relay may check the uuid as soon as B hears of it: record it before forwarding
    Future.all(waitForAnswer(c), core.brokerage().brokered(rr.getUuid()), core.registry().lookup(rr.getId()))
        .onComplete(ar -> {
          if (ar.failed()) {
            lookupFailures.error("relay-lookup", "relay request for {} failed: {}", rr.getId(), ar.cause().toString());
            return;
          }
          PeerView b = ar.result().resultAt(2);
          if (b == null || (b.endpoint() == null && b.node() == null && rendezvous.links().get(rr.getId()) == null)) {
            core.events().rejected("signaling", "relay-target-unknown", RegistrationService.ip(c.remote()), rr.getId());
            return; // as hbbs: A times out and reports the failure itself
          }
          RendezvousMessage toB = RendezvousMessage.newBuilder().setRequestRelay(rr.toBuilder()
              .setSocketAddr(ByteString.copyFrom(AddrMangle.encode(c.remote())))).build();
          rendezvous.messenger().send(b, toB).onComplete(sent -> {
            if (sent.succeeded()) {
              core.events().relayBrokered(rr.getUuid(), rr.getId(), RegistrationService.ip(c.remote()), rr.getRelayServer());
            } else {
              LOG.warn("could not forward relay request to {}: {}", b.id(), sent.cause().getMessage());
            }
          });
        });
  }

  void punchHoleSent(SignalingConnection c, PunchHoleSent phs) {
    InetSocketAddress a = AddrMangle.normalize(AddrMangle.decode(phs.getSocketAddr().toByteArray()));
    signedPk(phs.getVersion(), phs.getId()).onComplete(ar -> {
      PunchHoleResponse.Builder resp = PunchHoleResponse.newBuilder()
          .setSocketAddr(ByteString.copyFrom(AddrMangle.encode(c.remote())))
          .setPk(ByteString.copyFrom(ar.succeeded() ? ar.result() : new byte[0]))
          .setRelayServer(phs.getRelayServer());
      if (phs.getNatType() != NatType.UNRECOGNIZED) {
        resp.setNatType(phs.getNatType());
      }
      rendezvous.answers().deliver(a, RendezvousMessage.newBuilder().setPunchHoleResponse(resp).build())
          .onComplete(delivered -> c.close());
    });
  }

  void localAddr(SignalingConnection c, LocalAddr la) {
    InetSocketAddress a = AddrMangle.normalize(AddrMangle.decode(la.getSocketAddr().toByteArray()));
    signedPk(la.getVersion(), la.getId()).onComplete(ar -> {
      PunchHoleResponse resp = PunchHoleResponse.newBuilder()
          .setSocketAddr(la.getLocalAddr())
          .setPk(ByteString.copyFrom(ar.succeeded() ? ar.result() : new byte[0]))
          .setRelayServer(la.getRelayServer())
          .setIsLocal(true)
          .build();
      rendezvous.answers().deliver(a, RendezvousMessage.newBuilder().setPunchHoleResponse(resp).build())
          .onComplete(delivered -> c.close());
    });
  }

  void relayResponse(SignalingConnection c, RelayResponse rr) {
    Future<Void> recorded = core.brokerage().brokered(rr.getUuid());
    InetSocketAddress a = AddrMangle.normalize(AddrMangle.decode(rr.getSocketAddr().toByteArray()));
    Future<byte[]> pk = rr.getUnionCase() == RelayResponse.UnionCase.ID && !rr.getId().isEmpty()
        ? signedPk(rr.getVersion(), rr.getId()) : Future.succeededFuture(null);
    Future.join(recorded, pk).onComplete(done -> {
      if (recorded.failed()) {
        LOG.warn("relay uuid {} not recorded: {}", rr.getUuid(), recorded.cause().toString());
      }
      AsyncResult<byte[]> ar = pk;
      RelayResponse.Builder out = rr.toBuilder().clearSocketAddr();
      if (ar.result() != null || ar.failed()) {
        out.setPk(ByteString.copyFrom(ar.succeeded() ? ar.result() : new byte[0]));
      }
      String relay = rr.getRelayServer();
      if (!relay.isEmpty() && config.mask().isPresent()) {
        if (isLan(a.getAddress())) {
          out.setRelayServer(config.localIp());
        } else if (relay.equals(config.localIp())) {
          out.setRelayServer(rendezvous.relays().next());
        }
      }
      rendezvous.answers().deliver(a, RendezvousMessage.newBuilder().setRelayResponse(out).build()).onComplete(delivered -> {
        if (delivered.succeeded() && delivered.result() && !rr.getUuid().isEmpty()) {
          core.events().relayBrokered(rr.getUuid(), rr.getId(), RegistrationService.ip(a), out.getRelayServer());
        }
        c.close();
      });
    });
  }

  /**
   * TCP-mode registration (docs/protocol.md §6.5): the same rules as over UDP; once accepted the
   * connection is the device's link, kept alive with empty frames the client echoes.
   */
  void registerOverConnection(SignalingConnection c, RegisterPk rk) {
    registration.registerPk(rk, c.remote(), surface(c)).onSuccess(r -> {
      if (r.answer() != null) {
        c.send(r.answer());
      }
      if (r.accepted()) {
        link(c, rk.getId());
      }
    });
  }

  private static RegistrationService.Surface surface(SignalingConnection c) {
    return c.webSocket() ? RegistrationService.Surface.WEBSOCKET : RegistrationService.Surface.TCP;
  }

  private void link(SignalingConnection c, String id) {
    if (rendezvous.links().get(id) == c) {
      return; // a repeated RegisterPk on the same connection
    }
    rendezvous.links().attach(id, c);
    rendezvous.configUpdates().messageNewerThan(0).ifPresent(c::send);
    long timer = vertx.setPeriodic(heartbeatMillis(config.keepAliveSeconds()), t -> c.sendHeartbeat());
    c.onHeartbeat(() -> core.registry().heartbeat(id, c.remote()));
    c.onClose(() -> {
      vertx.cancelTimer(timer);
      if (rendezvous.links().detach(id, c) && core.registry().disconnected(id, c.remote())) {
        core.events().peerOffline(id);
      }
    });
  }

  /**
   * How often a TCP/WebSocket-registered device gets an empty frame: three times per keep_alive
   * (the client drops the link after 1.5 × keep_alive of silence), and at least every 10 s, since
   * its echo is what keeps it registered (REG_TIMEOUT, 30 s) and the connection active (the 30 s
   * idle timeout), however long a keep_alive the device was told.
   */
  static long heartbeatMillis(int keepAliveSeconds) {
    return Math.max(1000, Math.min(10_000, keepAliveSeconds * 1000L / 3));
  }

  /** ID change over TCP (EXT): answered, then the connection closes. */
  void changeId(SignalingConnection c, RegisterPk rk) {
    registration.changeId(rk, c.remote(), surface(c)).onComplete(ar -> {
      c.send(ar.result());
      c.close();
    });
  }

  /** TestNatResponse with the observed source port; {@code cu} only on the main port (§5.4.8). */
  public void testNat(SignalingConnection c, int requestSerial, boolean withConfigUpdate) {
    TestNatResponse.Builder resp = TestNatResponse.newBuilder().setPort(c.remote().getPort());
    if (withConfigUpdate) {
      rendezvous.configUpdates().newerThan(requestSerial).ifPresent(resp::setCu);
    }
    c.send(RendezvousMessage.newBuilder().setTestNatResponse(resp).build());
    c.close();
  }

  /** OnlineResponse bitmap (§5.4.9). */
  public void online(SignalingConnection c, OnlineRequest req) {
    core.registry().onlineStates(req.getPeersList()).onComplete(ar -> {
      if (ar.succeeded()) {
        c.send(Envelopes.onlineResponse(Envelopes.onlineStates(ar.result())));
      } else {
        lookupFailures.error("online-query", "online query failed: {}", ar.cause().toString());
      }
      c.close();
    });
  }

  /**
   * The server-signed IdPk of a device (§5.5): empty when the requester is too old to check it
   * (no version), the server cannot sign, or the ID is unknown.
   */
  public Future<byte[]> signedPk(String version, String id) {
    if (version.isEmpty() || !core.keys().canSign()) {
      return Future.succeededFuture(new byte[0]);
    }
    return core.registry().lookup(id).map(p -> {
      if (p == null || p.pk() == null) {
        return new byte[0];
      }
      byte[] idPk = IdPk.newBuilder().setId(id).setPk(ByteString.copyFrom(p.pk())).build().toByteArray();
      return core.keys().sign(idPk);
    });
  }

  private boolean isLan(InetAddress address) {
    return config.mask().map(m -> m.contains(address)).orElse(false);
  }
}
