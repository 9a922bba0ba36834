package dev.vertdesk.plugins.webhook;

import dev.vertdesk.plugin.PluginContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events one at a time, in order: each is POSTed until a 2xx answer, retried after a
 * connection error, a timeout, 408, 425, 429 or 5xx with a doubling backoff (or the server's
 * {@code Retry-After}), and given up after {@code maxAttempts} or at once on another status.
 * Events arriving while {@code queueSize} wait are dropped. Nothing goes silently: deliveries,
 * retries, failures and drops are counted (reply of {@link #STATS}, Micrometer
 * {@code vertdesk.webhook.events} when metrics are on) and failures and drops are logged.
 */
final class WebhookVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookVerticle.class);

  /** Request: the counters, as {@code {url, queued, received, delivered, retried, failed, dropped}}. */
  static final String STATS = "vertdesk.webhook.stats";
  /** At most one warning per this period for drops and failures; the rest are summed up. */
  static final long REPORT_MILLIS = 10_000;

  private record Pending(String address, String event, Buffer body, String delivery, int attempt) {
    Pending next() {
      return new Pending(address, event, body, delivery, attempt + 1);
    }
  }

  private final PluginContext node;
  private final WebhookOptions options;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Meter> meters = new ArrayList<>();
  private HttpClientAgent client;
  private MeterRegistry registry;
  private boolean busy;
  private boolean stopped;
  private long reportTimer = -1;
  private long retryTimer = -1;
  private long droppedUnreported;
  private long failedUnreported;
  private String lastFailure = "";

  WebhookVerticle(PluginContext node, WebhookOptions options) {
    this.node = node;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout(options.timeoutMillis())
            .setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    for (String address : options.addresses()) {
      consumers.add(options.clusterWide()
          ? vertx.eventBus().consumer(address, this::onEvent)
          : vertx.eventBus().localConsumer(address, this::onEvent));
    }
    consumers.add(vertx.eventBus().localConsumer(STATS, m -> m.reply(stats())));
    reportTimer = vertx.setPeriodic(REPORT_MILLIS, t -> report());
    registerMeters();
    List<Future<Void>> ready = consumers.stream().map(MessageConsumer::completion).toList();
    return Future.all(ready).onSuccess(v -> LOG.info(
        "webhook: POSTing {} event type(s) of {} to {} (queue {}, {} attempts, {} s timeout)",
        options.addresses().size(), options.clusterWide() ? "every node" : "node " + node.nodeId(),
        redacted(), options.queueSize(), options.maxAttempts(), options.timeoutMillis() / 1000.0));
  }

  private void onEvent(Message<Object> m) {
    if (stopped) {
      return;
    }
    received.incrementAndGet();
    if (queue.size() >= options.queueSize()) {
      dropped.incrementAndGet();
      if (droppedUnreported++ == 0) {
        LOG.warn("webhook: queue full ({} events waiting for {}): dropping events{}", queue.size(), redacted(),
            lastFailure.isEmpty() ? "" : " (last delivery error: " + lastFailure + ")");
      }
      return;
    }
    Object body = m.body();
    JsonObject event = body instanceof JsonObject j ? j : new JsonObject().put("address", m.address())
        .put("body", body instanceof JsonArray a ? a : body == null ? null : body.toString());
    String type = event.getValue("type") instanceof String t ? t : m.address();
    queue.add(new Pending(m.address(), type, event.toBuffer(), UUID.randomUUID().toString(), 1));
    pump();
  }

  /** Sends the head of the queue unless a send or a retry wait is under way. */
  private void pump() {
    if (busy || stopped || queue.isEmpty()) {
      return;
    }
    busy = true;
    Pending p = queue.peek();
    send(p).onComplete(ar -> {
      if (stopped) {
        return;
      }
      Outcome o = ar.succeeded() ? ar.result() : Outcome.retry("error: " + describe(ar.cause()), -1);
      if (o.delivered()) {
        delivered.incrementAndGet();
        queue.poll();
        busy = false;
        pump();
        return;
      }
      lastFailure = o.problem();
      if (o.retryable() && p.attempt() < options.maxAttempts()) {
        long wait = o.retryAfterMillis() >= 0 ? Math.min(o.retryAfterMillis(), options.maxBackoffMillis())
            : backoff(p.attempt());
        retried.incrementAndGet();
        LOG.info("webhook: {} event {} attempt {}/{} failed ({}); retrying in {} ms", p.event(), p.delivery(),
            p.attempt(), options.maxAttempts(), o.problem(), wait);
        queue.poll();
        queue.addFirst(p.next());
        retryTimer = vertx.setTimer(Math.max(1, wait), t -> {
          retryTimer = -1;
          busy = false;
          pump();
        });
        return;
      }
      failed.incrementAndGet();
      if (failedUnreported++ == 0) {
        LOG.warn("webhook: gave up on {} event {} after {} attempt(s): {}", p.event(), p.delivery(),
            p.attempt(), o.problem());
      }
      queue.poll();
      busy = false;
      pump();
    });
  }

  /** The result of one attempt. */
  private record Outcome(boolean delivered, boolean retryable, String problem, long retryAfterMillis) {
    static Outcome ok() {
      return new Outcome(true, false, "", -1);
    }

    static Outcome retry(String problem, long retryAfterMillis) {
      return new Outcome(false, true, problem, retryAfterMillis);
    }

    static Outcome fail(String problem) {
      return new Outcome(false, false, problem, -1);
    }
  }

  private Future<Outcome> send(Pending p) {
    RequestOptions req = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(options.url().toString())
        .setConnectTimeout(options.timeoutMillis())
        .setIdleTimeout(options.timeoutMillis())
        .putHeader("Content-Type", "application/json")
        .putHeader("User-Agent", "vertdesk-webhook")
        .putHeader("X-Vertdesk-Event", p.event())
        .putHeader("X-Vertdesk-Delivery", p.delivery())
        .putHeader("X-Vertdesk-Attempt", Integer.toString(p.attempt()));
    options.headers().forEach(req::putHeader);
    if (!options.secret().isEmpty()) {
      req.putHeader("X-Vertdesk-Signature", "sha256=" + hmac(options.secret(), p.body()));
    }
    HttpClientRequest[] sent = new HttpClientRequest[1];
    return client.request(req)
        .compose(r -> {
          sent[0] = r;
          return r.send(p.body());
        })
        .compose(resp -> resp.body().map(b -> {
          int s = resp.statusCode();
          if (s >= 200 && s < 300) {
            return Outcome.ok();
          }
          String problem = "HTTP " + s;
          if (s == 408 || s == 425 || s == 429 || s >= 500) {
            return Outcome.retry(problem, retryAfter(resp.getHeader("Retry-After")));
          }
          return Outcome.fail(problem);
        }))
        .timeout(options.timeoutMillis(), TimeUnit.MILLISECONDS)
        .onFailure(e -> {
          if (sent[0] != null) {
            sent[0].reset(); // a timed-out request must not linger on the pooled connection
          }
        });
  }

  private long backoff(int attempt) {
    long wait = options.backoffMillis();
    for (int i = 1; i < attempt && wait < options.maxBackoffMillis(); i++) {
      wait *= 2;
    }
    return Math.min(wait, options.maxBackoffMillis());
  }

  /** {@code Retry-After} in seconds (the HTTP-date form is ignored); -1 when absent. */
  private static long retryAfter(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Math.max(0, TimeUnit.SECONDS.toMillis(Long.parseLong(header.trim())));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String hmac(String secret, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** The URL without user info or query, for logs. */
  private String redacted() {
    java.net.URI u = options.url();
    return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
        + (u.getRawPath() == null ? "" : u.getRawPath());
  }

  /** Sums up what was dropped or given up on since the last warning. */
  private void report() {
    if (droppedUnreported > 1) {
      LOG.warn("webhook: {} more events dropped in the last {} s (queue full; {} dropped in all)",
          droppedUnreported - 1, REPORT_MILLIS / 1000, dropped.get());
    }
    if (failedUnreported > 1) {
      LOG.warn("webhook: {} more events given up in the last {} s (last error: {}; {} failed in all)",
          failedUnreported - 1, REPORT_MILLIS / 1000, lastFailure, failed.get());
    }
    droppedUnreported = 0;
    failedUnreported = 0;
  }

  JsonObject stats() {
    return new JsonObject()
        .put("url", redacted())
        .put("queued", queue.size())
        .put("received", received.get())
        .put("delivered", delivered.get())
        .put("retried", retried.get())
        .put("failed", failed.get())
        .put("dropped", dropped.get());
  }

  private void registerMeters() {
    // the node's own registry (the one /metrics serves), whatever name the launcher gave it
    registry = node.meters().orElse(null);
    if (registry == null) {
      return;
    }
    String name = "vertdesk.webhook.events";
    meters.add(FunctionCounter.builder(name, delivered, AtomicLong::get).tag("result", "delivered").register(registry));
    meters.add(FunctionCounter.builder(name, retried, AtomicLong::get).tag("result", "retried").register(registry));
    meters.add(FunctionCounter.builder(name, failed, AtomicLong::get).tag("result", "failed").register(registry));
    meters.add(FunctionCounter.builder(name, dropped, AtomicLong::get).tag("result", "dropped").register(registry));
    meters.add(Gauge.builder("vertdesk.webhook.queue", queue, ArrayDeque::size).register(registry));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (reportTimer >= 0) {
      vertx.cancelTimer(reportTimer);
    }
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    report();
    if (!queue.isEmpty()) {
      dropped.addAndGet(queue.size());
      LOG.warn("webhook: stopping with {} undelivered events; they are dropped ({} dropped in all)",
          queue.size(), dropped.get());
      queue.clear();
    }
    if (registry != null) {
      meters.forEach(registry::remove);
    }
    List<Future<Void>> done = new ArrayList<>();
    consumers.forEach(c -> done.add(c.unregister()));
    if (client != null) {
      done.add(client.close());
    }
    return Future.join(done);
  }
}
