package dev.vertdesk.api;

import dev.vertdesk.events.HttpProxyCall;
import dev.vertdesk.node.BoundPorts;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API requests that clients tunnelled through the rendezvous port (docs/protocol.md §5.4.13), run
 * on this node exactly as if they had come over HTTP: each is replayed against this node's own API
 * port, so it meets the same routes, body and JSON limits, throttling and errors. The client's
 * address travels in {@code X-Real-IP}, and is believed only next to this node's random secret in
 * {@value #SECRET_HEADER}, whatever {@code trustedProxies} says; the client's own forwarding
 * headers are dropped, so it cannot name another address. Node-scoped: one per node, shared by its
 * API verticle instances, each of which takes requests from the event bus.
 */
public final class TunnelledRequests {

  private static final Logger LOG = LoggerFactory.getLogger(TunnelledRequests.class);
  static final String SECRET_HEADER = "X-Vertdesk-Tunnel";
  /** Requests this node replays at once; more are refused at once rather than queued. */
  static final int MAX_IN_FLIGHT = 128;
  /** Connections to our own port: enough to keep the API busy, few enough to stay cheap. */
  static final int CONNECTIONS = 16;
  /** Largest answer carried back: a page of 100 devices or a whole legacy address book fits. */
  static final int MAX_ANSWER_BYTES = 8 << 20;

  static final String BUSY = "The API server is busy; try again later";
  static final String UNREACHABLE = "The API server could not be reached; try again later";
  static final String TOO_LARGE = "The API's answer is too large for the rendezvous connection";
  static final String MALFORMED = "Malformed request for the API";

  /**
   * Hop-by-hop and forwarding headers of the client's request: the replay sets its own length,
   * never compresses (the client does not inflate tunnelled answers) and names the client itself.
   */
  private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "transfer-encoding",
      "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "proxy-authorization", "proxy-connection",
      "accept-encoding", "x-real-ip", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      SECRET_HEADER.toLowerCase(Locale.ROOT));
  /** Hop-by-hop headers of the answer, meaningless once it is a protobuf message. */
  private static final Set<String> NOT_ANSWERED = Set.of("connection", "keep-alive", "transfer-encoding");

  private final HttpClient client;
  private final BoundPorts ports;
  private final String host;
  private final String secret;
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param ports   where this node's API port is, once bound
   * @param apiHost the address the API binds: replays go to loopback when it is a wildcard
   */
  public TunnelledRequests(Vertx vertx, BoundPorts ports, String apiHost) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONNECTIONS));
    this.ports = ports;
    this.host = apiHost.isEmpty() || apiHost.equals("::") || apiHost.equals("0.0.0.0") ? "127.0.0.1" : apiHost;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.secret = HexFormat.of().formatHex(random);
  }

  public Future<Void> close() {
    return client.close();
  }

  /** The client's address of a request this node replayed; empty for any other request. */
  Optional<String> clientOf(HttpServerRequest r) {
    String presented = r.getHeader(SECRET_HEADER);
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        secret.getBytes(StandardCharsets.UTF_8))) {
      return Optional.empty();
    }
    return Optional.ofNullable(r.getHeader("X-Real-IP"));
  }

  /** Consumer of {@link dev.vertdesk.events.Addresses#API_HTTP_PROXY}. */
  void replay(Message<JsonObject> m) {
    HttpProxyCall.Request req;
    try {
      if (m.body() == null) {
        throw new IllegalArgumentException("no body");
      }
      req = HttpProxyCall.Request.fromJson(m.body());
    } catch (IllegalArgumentException e) {
      m.fail(400, MALFORMED);
      return;
    }
    OptionalInt port = ports.get("api");
    if (port.isEmpty()) {
      m.fail(503, UNREACHABLE); // not listening (yet, or any more)
      return;
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      m.fail(503, BUSY);
      return;
    }
    RequestOptions options;
    try {
      options = options(req, port.getAsInt());
    } catch (IllegalArgumentException e) {
      inFlight.decrementAndGet();
      m.fail(400, MALFORMED);
      return;
    }
    client.request(options)
        .compose(r -> r.send(Buffer.buffer(req.body())))
        .compose(TunnelledRequests::collect)
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.succeeded()) {
            m.reply(ar.result().toJson());
          } else if (ar.cause() instanceof AnswerTooLarge) {
            m.fail(502, TOO_LARGE);
          } else {
            LOG.debug("tunnelled {} {} not replayed: {}", req.method(), req.path(), ar.cause().toString());
            m.fail(502, UNREACHABLE);
          }
        });
  }

  private RequestOptions options(HttpProxyCall.Request req, int port) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (HttpProxyCall.Header h : req.headers()) {
      if (!NOT_FORWARDED.contains(h.name().toLowerCase(Locale.ROOT))) {
        headers.add(h.name(), h.value());
      }
    }
    headers.set("X-Real-IP", req.clientIp()).set(SECRET_HEADER, secret);
    RequestOptions o = new RequestOptions().setHost(host).setPort(port).setMethod(HttpMethod.valueOf(req.method()))
        .setURI(req.path()).setHeaders(headers);
    return req.timeoutMillis() > 0 ? o.setIdleTimeout(req.timeoutMillis()) : o;
  }

  /** The whole answer, refused beyond {@link #MAX_ANSWER_BYTES} without holding more. */
  private static Future<HttpProxyCall.Response> collect(HttpClientResponse resp) {
    Promise<HttpProxyCall.Response> done = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (done.future().isComplete()) {
        return; // refused already: the rest is dropped while the connection is reset
      }
      if (body.length() + chunk.length() > MAX_ANSWER_BYTES) {
        done.fail(new AnswerTooLarge());
        resp.request().reset();
      } else {
        body.appendBuffer(chunk);
      }
    });
    resp.exceptionHandler(done::tryFail);
    resp.endHandler(v -> {
      List<HttpProxyCall.Header> headers = new ArrayList<>();
      for (Map.Entry<String, String> h : resp.headers()) {
        if (!NOT_ANSWERED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
          headers.add(new HttpProxyCall.Header(h.getKey(), h.getValue()));
        }
      }
      done.tryComplete(new HttpProxyCall.Response(resp.statusCode(), headers, body.getBytes()));
    });
    return done.future();
  }

  /** The API answered more than a tunnel carries back. */
  private static final class AnswerTooLarge extends RuntimeException {
    AnswerTooLarge() {
      super("answer over " + MAX_ANSWER_BYTES + " bytes", null, false, false);
    }
  }
}
