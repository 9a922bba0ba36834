package dev.vertdesk.rendezvous;

import com.google.protobuf.ByteString;
import dev.vertdesk.events.Addresses;
import dev.vertdesk.events.EventPublisher;
import dev.vertdesk.events.HttpProxyCall;
import dev.vertdesk.proto.HeaderEntry;
import dev.vertdesk.proto.HttpProxyRequest;
import dev.vertdesk.proto.HttpProxyResponse;
import dev.vertdesk.proto.RendezvousMessage;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API through the rendezvous port (docs/protocol.md §5.4.13): a client whose HTTP call to the
 * API failed, or that is built to always go this way, sends it as an {@code HttpProxyRequest} on a
 * secured signaling connection. It is checked here, where it enters, then handed over the event
 * bus to whichever node serves the API, which runs it as if it had come over HTTP from the
 * client's address; the answer goes back as an {@code HttpProxyResponse}. Anything that keeps the
 * API from answering is an {@code error} text, which the client treats as a failure and shows.
 */
final class ApiTunnel {

  private static final Logger LOG = LoggerFactory.getLogger(ApiTunnel.class);

  /** What the API serves; the client sends its method in upper case. */
  static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  /** Longest path with query, within the API's request-line limit. */
  static final int MAX_PATH = 4096;
  /** Headers per request; the client sends two or three. */
  static final int MAX_HEADERS = 64;
  /** All header names and values together, within the API's header limit. */
  static final int MAX_HEADER_BYTES = 12 * 1024;

  static final String NOT_AVAILABLE = "The API server is not available; try again later";
  static final String TIMED_OUT = "The API server did not answer in time; try again later";
  static final String ONE_AT_A_TIME = "Only one API request at a time on a connection";

  private final EventBus bus;
  private final EventPublisher events;
  private final long timeoutMillis;
  /** Connections with a request under way: each gets its answers in order, one at a time. */
  private final Set<SignalingConnection> busy = ConcurrentHashMap.newKeySet();

  ApiTunnel(EventBus bus, EventPublisher events, long timeoutMillis) {
    this.bus = bus;
    this.events = events;
    this.timeoutMillis = timeoutMillis;
  }

  /** An answer that is only an error: the client gives up with this text. */
  static RendezvousMessage error(String text) {
    return RendezvousMessage.newBuilder().setHttpProxyResponse(HttpProxyResponse.newBuilder().setError(text)).build();
  }

  void forward(SignalingConnection c, HttpProxyRequest req) {
    String ip = RegistrationService.ip(c.remote());
    String problem = problem(req);
    if (problem != null) {
      events.rejected("signaling", "http-proxy-malformed", ip, "");
      c.send(error(problem));
      return;
    }
    if (!busy.add(c)) {
      events.rejected("signaling", "http-proxy-concurrent", ip, "");
      c.send(error(ONE_AT_A_TIME));
      return;
    }
    List<HttpProxyCall.Header> headers = new ArrayList<>(req.getHeadersCount());
    req.getHeadersList().forEach(h -> headers.add(new HttpProxyCall.Header(h.getName(), h.getValue())));
    HttpProxyCall.Request call = new HttpProxyCall.Request(req.getMethod(), req.getPath(), headers,
        req.getBody().toByteArray(), ip, timeoutMillis);
    bus.<JsonObject>request(Addresses.API_HTTP_PROXY, call.toJson(), new DeliveryOptions().setSendTimeout(timeoutMillis))
        .onComplete(ar -> {
          busy.remove(c);
          c.send(ar.succeeded() ? answer(ar.result().body()) : error(failure(ar.cause())));
        });
  }

  private static RendezvousMessage answer(JsonObject body) {
    HttpProxyCall.Response r;
    try {
      if (body == null) {
        throw new IllegalArgumentException("an empty reply");
      }
      r = HttpProxyCall.Response.fromJson(body);
    } catch (IllegalArgumentException e) {
      LOG.warn("the API node answered a tunnelled request with something else: {}", e.getMessage());
      return error(NOT_AVAILABLE);
    }
    HttpProxyResponse.Builder out = HttpProxyResponse.newBuilder().setStatus(r.status())
        .setBody(ByteString.copyFrom(r.body()));
    r.headers().forEach(h -> out.addHeaders(HeaderEntry.newBuilder().setName(h.name()).setValue(h.value())));
    return RendezvousMessage.newBuilder().setHttpProxyResponse(out).build();
  }

  private static String failure(Throwable cause) {
    if (cause instanceof ReplyException e) {
      return switch (e.failureType()) {
        case NO_HANDLERS -> NOT_AVAILABLE; // no node serves the API
        case TIMEOUT -> TIMED_OUT;
        // the API node's own words, written for the user
        case RECIPIENT_FAILURE -> e.getMessage() == null ? NOT_AVAILABLE : e.getMessage();
        default -> NOT_AVAILABLE;
      };
    }
    LOG.warn("tunnelled API request failed: {}", cause.toString());
    return NOT_AVAILABLE;
  }

  /** Why the request cannot be run as HTTP, or null when it can. */
  static String problem(HttpProxyRequest req) {
    if (!METHODS.contains(req.getMethod())) {
      return "Unsupported method for the API: " + printable(req.getMethod());
    }
    String path = req.getPath();
    if (path.isEmpty() || path.length() > MAX_PATH || path.charAt(0) != '/' || !visibleAscii(path)) {
      return "Malformed path for the API";
    }
    if (req.getHeadersCount() > MAX_HEADERS) {
      return "Too many headers for the API (at most " + MAX_HEADERS + ")";
    }
    long bytes = 0;
    for (HeaderEntry h : req.getHeadersList()) {
      if (!token(h.getName()) || !headerValue(h.getValue())) {
        return "Malformed header for the API: " + printable(h.getName());
      }
      bytes += h.getName().length() + h.getValue().length();
    }
    if (bytes > MAX_HEADER_BYTES) {
      return "The headers are too large for the API (at most " + MAX_HEADER_BYTES + " bytes)";
    }
    return null;
  }

  private static boolean visibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch <= 0x20 || ch >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** An HTTP field name (RFC 9110 token). */
  private static boolean token(String s) {
    if (s.isEmpty() || s.length() > 256) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      boolean ok = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
          || "!#$%&'*+-.^_`|~".indexOf(ch) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A field value without line breaks or other control characters. */
  private static boolean headerValue(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** For an error text: at most 32 visible ASCII characters of what the client sent. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 32; i++) {
      char ch = s.charAt(i);
      b.append(ch > 0x20 && ch < 0x7f ? ch : '?');
    }
    return b.toString();
  }
}
