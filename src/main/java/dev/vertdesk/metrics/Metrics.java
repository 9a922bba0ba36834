package dev.vertdesk.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.impl.MicrometerMetrics;
import java.util.EnumSet;
import java.util.Optional;

/**
 * How Vertdesk turns on Vert.x's Micrometer metrics, and where a running Vert.x keeps them.
 * {@code /metrics} serves the registry of the node's own Vert.x instance, so several nodes in
 * one JVM (tests) each keep their own numbers when they use distinct registry names.
 */
public final class Metrics {

  /** Registry name used by the launcher (one node per JVM). */
  public static final String DEFAULT_REGISTRY = "vertdesk";

  private Metrics() {
  }

  /**
   * Prometheus backend with JVM series and Vert.x's own (event bus, datagram, net and HTTP
   * servers), the event-bus series labelled by address: Vertdesk's addresses are a fixed set plus
   * a few per cluster member, so the label stays small.
   */
  public static MicrometerMetricsOptions defaultOptions(String registryName) {
    EnumSet<Label> labels = EnumSet.noneOf(Label.class);
    labels.addAll(MicrometerMetricsOptions.DEFAULT_LABELS);
    labels.add(Label.EB_ADDRESS);
    labels.add(Label.HTTP_ROUTE);
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(registryName)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setLabels(labels);
  }

  /** True when {@code options} (from {@code -options}) already enable metrics of some kind. */
  public static boolean configured(MetricsOptions options) {
    return options != null && options.isEnabled();
  }

  /** The meter registry behind {@code vertx}'s metrics, when Micrometer metrics are on. */
  public static Optional<MeterRegistry> registry(Vertx vertx) {
    if (vertx instanceof VertxInternal vx && vx.metrics() instanceof MicrometerMetrics m) {
      return Optional.ofNullable(m.registry());
    }
    return Optional.empty();
  }
}
