package dev.vertdesk.plugins.webhook;

import dev.vertdesk.plugin.VertdeskPlugin;
import dev.vertdesk.server.ServerContext;
import io.vertx.core.Deployable;

/**
 * The {@code webhook} plugin: POSTs selected domain events ({@code vertdesk.event.*}) as JSON to
 * a URL, with retries and backoff. Enable it with {@code verticles.webhook.enabled} and configure
 * it in {@code verticles.webhook.config} ({@link WebhookOptions}).
 */
public final class WebhookPlugin implements VertdeskPlugin {

  public static final String NAME = "webhook";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Deployable create(ServerContext ctx) {
    return new WebhookVerticle(ctx);
  }
}
