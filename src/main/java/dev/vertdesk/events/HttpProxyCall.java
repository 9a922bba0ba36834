package dev.vertdesk.events;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The bodies of {@link Addresses#API_HTTP_PROXY}: an API request a client tunnelled through the
 * rendezvous port (its {@code HttpProxyRequest}), and the API's answer. Bytes travel as base64
 * (Vert.x's JSON binary form).
 */
public final class HttpProxyCall {

  private HttpProxyCall() {
  }

  /** One header line, as the client sent it or the API answered it. */
  public record Header(String name, String value) {
  }

  /**
   * @param path          the path with its query, as the client sent it
   * @param clientIp      the client's address as signaling saw it: what the API throttles and logs
   * @param timeoutMillis how long the requester waits for the answer; the API gives up after that
   */
  public record Request(String method, String path, List<Header> headers, byte[] body, String clientIp,
                        long timeoutMillis) {

    public JsonObject toJson() {
      return new JsonObject().put("method", method).put("path", path).put("headers", encode(headers))
          .put("body", body).put("clientIp", clientIp).put("timeoutMillis", timeoutMillis);
    }

    /** @throws IllegalArgumentException when {@code json} is not a request of this shape */
    public static Request fromJson(JsonObject json) {
      try {
        return new Request(required(json.getString("method")), required(json.getString("path")),
            decode(json.getJsonArray("headers")), required(json.getBinary("body")),
            required(json.getString("clientIp")), json.getLong("timeoutMillis", 0L));
      } catch (ClassCastException e) {
        throw new IllegalArgumentException("not a tunnelled request: " + e.getMessage());
      }
    }
  }

  public record Response(int status, List<Header> headers, byte[] body) {

    public JsonObject toJson() {
      return new JsonObject().put("status", status).put("headers", encode(headers)).put("body", body);
    }

    /** @throws IllegalArgumentException when {@code json} is not a response of this shape */
    public static Response fromJson(JsonObject json) {
      try {
        return new Response(json.getInteger("status", 0), decode(json.getJsonArray("headers")),
            required(json.getBinary("body")));
      } catch (ClassCastException e) {
        throw new IllegalArgumentException("not a tunnelled answer: " + e.getMessage());
      }
    }
  }

  private static JsonArray encode(List<Header> headers) {
    JsonArray a = new JsonArray();
    headers.forEach(h -> a.add(new JsonArray().add(h.name()).add(h.value())));
    return a;
  }

  private static List<Header> decode(JsonArray a) {
    JsonArray list = required(a);
    List<Header> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      JsonArray pair = list.getJsonArray(i);
      if (pair == null || pair.size() != 2) {
        throw new IllegalArgumentException("a header is a [name, value] pair");
      }
      out.add(new Header(required(pair.getString(0)), required(pair.getString(1))));
    }
    return List.copyOf(out);
  }

  private static <T> T required(T value) {
    if (value == null) {
      throw new IllegalArgumentException("a field is missing");
    }
    return value;
  }
}
