package dev.vertdesk.rendezvous;

import dev.vertdesk.config.ServerConfig;
import dev.vertdesk.logging.RepeatedLog;
import dev.vertdesk.node.NodeCore;
import dev.vertdesk.proto.ConfigUpdate;
import dev.vertdesk.proto.RegisterPeer;
import dev.vertdesk.proto.RegisterPk;
import dev.vertdesk.proto.RegisterPkResponse.Result;
import dev.vertdesk.proto.RendezvousMessage;
import dev.vertdesk.proto.SoftwareUpdate;
import dev.vertdesk.protocol.Envelopes;
import dev.vertdesk.registry.RegisterPkOutcome;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device registration whatever carries it (docs/protocol.md §5.4.1, §5.4.2, §5.4.10, §5.4.11,
 * §6.5): heartbeats and key registration over UDP, key registration over a TCP or WebSocket
 * connection, and the legacy ConfigUpdate and SoftwareUpdate. It answers with messages and
 * publishes the registration events; transports only carry the answers.
 */
public final class RegistrationService {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrationService.class);
  /** The refusal reason of a disabled device, in events and metrics. */
  public static final String DISABLED = "disabled";
  /** ... of a device that was not deployed, with {@code devices.requireDeployment}. */
  public static final String NOT_DEPLOYED = "not-deployed";

  /** Where a registration arrived, as events and metrics name it. */
  public enum Surface {
    UDP("udp"), TCP("tcp"), WEBSOCKET("websocket");

    private final String label;

    Surface(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * What a RegisterPk comes to.
   *
   * @param answer   the RegisterPkResponse to send; {@code null} means stay silent (an empty uuid or
   *                 key, as hbbs ignores it)
   * @param accepted the device is registered under its ID from the request's address
   */
  public record Registration(RendezvousMessage answer, boolean accepted) {
  }

  private final NodeCore core;
  private final RendezvousContext rendezvous;
  private final ServerConfig config;
  /** A broken store fails every registration: one line per interval, with the count. */
  private final RepeatedLog failures = new RepeatedLog(LOG, 10_000);

  public RegistrationService(NodeCore core, RendezvousContext rendezvous) {
    this.core = core;
    this.rendezvous = rendezvous;
    this.config = core.config().server();
  }

  /**
   * A RegisterPeer heartbeat: the RegisterPeerResponse ({@code request_pk} when the server needs
   * the key), followed by a ConfigUpdate when the device's serial is behind.
   */
  public Future<List<RendezvousMessage>> registerPeer(RegisterPeer rp, InetSocketAddress from) {
    String id = rp.getId();
    if (id.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (rendezvous.disabled().contains(id) || !rendezvous.deployed().admits(id)) {
      // not refreshed, as an ID the server does not hold: the RegisterPk it asks for is refused
      return Future.succeededFuture(heartbeatAnswers(rp, true));
    }
    return core.registry().heartbeat(id, from).map(outcome -> {
      if (outcome.becameOnline()) {
        core.events().peerOnline(id, ip(from));
      }
      return heartbeatAnswers(rp, outcome.requestPk());
    });
  }

  private List<RendezvousMessage> heartbeatAnswers(RegisterPeer rp, boolean requestPk) {
    List<RendezvousMessage> answers = new ArrayList<>(2);
    answers.add(Envelopes.registerPeerResponse(requestPk));
    rendezvous.configUpdates().messageNewerThan(rp.getSerial()).ifPresent(answers::add);
    return answers;
  }

  /**
   * A RegisterPk with both limiters, the uuid/key/IP rules and persistence; OK is answered only
   * once the row is stored. Over a connection the OK carries {@code keep_alive}.
   */
  public Future<Registration> registerPk(RegisterPk rk, InetSocketAddress from, Surface surface) {
    String id = rk.getId();
    if (rendezvous.disabled().contains(id)) {
      // NOT_DEPLOYED: the client shows itself unregistered and asks again every 30 s, under the
      // same ID (docs/protocol.md §14)
      core.events().rejected(surface.label(), DISABLED, ip(from), id);
      return Future.succeededFuture(new Registration(Envelopes.registerPkResponse(Result.NOT_DEPLOYED), false));
    }
    if (!rendezvous.deployed().admits(id)) {
      // devices.requireDeployment: what the answer was made for (Pro's deployment mode); the
      // client shows itself unregistered until `rustdesk --deploy` enrols it
      core.events().rejected(surface.label(), NOT_DEPLOYED, ip(from), id);
      return Future.succeededFuture(new Registration(Envelopes.registerPkResponse(Result.NOT_DEPLOYED), false));
    }
    return core.registry().registerPk(id, rk.getUuid().toByteArray(), rk.getPk().toByteArray(), from)
        .transform(ar -> {
          if (ar.failed()) {
            failures.error("register-pk", "RegisterPk for {} failed: {}", id, ar.cause().toString());
            return Future.succeededFuture(new Registration(Envelopes.registerPkResponse(Result.SERVER_ERROR), false));
          }
          RegisterPkOutcome outcome = ar.result();
          if (outcome.result() == null) {
            return Future.succeededFuture(new Registration(null, false));
          }
          String ip = ip(from);
          if (outcome.result() != Result.OK) {
            if (outcome.failure() != null) {
              failures.error("store-write", "RegisterPk for {} not stored: {}", id, outcome.failure());
            }
            core.events().rejected(surface.label(), outcome.reason(), ip, id);
            return Future.succeededFuture(new Registration(Envelopes.registerPkResponse(outcome.result()), false));
          }
          if (outcome.changed()) {
            core.events().peerRegistered(id, ip, outcome.created(), outcome.previousIp());
          }
          if (outcome.becameOnline()) {
            core.events().peerOnline(id, ip);
          }
          RendezvousMessage ok = surface == Surface.UDP ? Envelopes.registerPkResponse(Result.OK)
              : Envelopes.registerPkResponse(Result.OK, config.keepAliveSeconds());
          return Future.succeededFuture(new Registration(ok, true));
        });
  }

  /**
   * An ID change (RegisterPk with {@code old_id}): the answer to send before the connection
   * closes. {@code allowIdChange: false} answers NOT_SUPPORT, as hbbs.
   */
  public Future<RendezvousMessage> changeId(RegisterPk rk, InetSocketAddress from, Surface surface) {
    if (!config.allowIdChange() || rendezvous.deployed().required()) {
      // with deployment required an ID is enrolled as it is: a new one would need deploying again
      return Future.succeededFuture(Envelopes.registerPkResponse(Result.NOT_SUPPORT));
    }
    if (rendezvous.disabled().contains(rk.getOldId()) || rendezvous.disabled().contains(rk.getId())) {
      // a disabled device may not leave its ID behind, nor may another device take a disabled one
      core.events().rejected(surface.label(), DISABLED, ip(from), rk.getId());
      return Future.succeededFuture(Envelopes.registerPkResponse(
          rendezvous.disabled().contains(rk.getOldId()) ? Result.NOT_SUPPORT : Result.ID_EXISTS));
    }
    return core.registry().changeId(rk.getOldId(), rk.getId(), rk.getUuid().toByteArray(), rk.getPk().toByteArray(),
        from).transform(ar -> {
          Result result = ar.succeeded() ? ar.result().result() : Result.SERVER_ERROR;
          if (ar.succeeded() && ar.result().failure() != null) {
            failures.error("id-change-write", "ID change {} -> {} not stored: {}", rk.getOldId(), rk.getId(),
                ar.result().failure());
          }
          if (result == Result.OK) {
            core.events().idChanged(rk.getOldId(), rk.getId(), ip(from));
          } else {
            core.events().rejected(surface.label(), ar.succeeded() ? ar.result().reason() : "store", ip(from), rk.getId());
          }
          return Future.succeededFuture(Envelopes.registerPkResponse(result));
        });
  }

  /**
   * An admin pushes a new rendezvous-server list from the server host itself (§5.4.10): a higher
   * serial is adopted and sent at once to the devices linked over a connection, which never send
   * RegisterPeer. From anywhere else it is refused.
   */
  public void configUpdate(ConfigUpdate cu, InetSocketAddress from) {
    if (!from.getAddress().isLoopbackAddress()) {
      core.events().rejected(Surface.UDP.label(), "config-update-not-loopback", ip(from), "");
      return;
    }
    List<String> servers = new ArrayList<>();
    for (String s : cu.getRendezvousServersList()) {
      if (!s.isBlank()) {
        servers.add(s.trim());
      }
    }
    if (rendezvous.configUpdates().offer(cu.getSerial(), servers)) {
      rendezvous.configUpdates().messageNewerThan(0).ifPresent(push ->
          rendezvous.links().forEach((id, link) -> link.send(push)));
    }
  }

  /** Legacy clients put their version in {@code url} (§5.4.11): the download URL when it differs. */
  public Optional<RendezvousMessage> softwareUpdate(SoftwareUpdate su) {
    String url = config.softwareUrl();
    String version = SoftwareVersion.fromUrl(url);
    if (version.isEmpty() || version.equals(su.getUrl())) {
      return Optional.empty();
    }
    return Optional.of(RendezvousMessage.newBuilder().setSoftwareUpdate(SoftwareUpdate.newBuilder().setUrl(url)).build());
  }

  static String ip(InetSocketAddress a) {
    return a.getAddress().getHostAddress();
  }
}
