package dev.vertdesk.plugins.webhook;

import dev.vertdesk.config.ConfigException;
import dev.vertdesk.config.PluginBlock;
import dev.vertdesk.plugin.PluginContext;
import dev.vertdesk.plugin.VertdeskPlugin;
import io.vertx.core.Deployable;

/**
 * The {@code webhook} plugin: POSTs selected domain events ({@code vertdesk.event.*}) as JSON to
 * a URL, with retries and backoff. Enable it with {@code verticles.webhook.enabled} and configure
 * it in {@code verticles.webhook.config} ({@link WebhookOptions}).
 */
public final class WebhookPlugin implements VertdeskPlugin<WebhookOptions> {

  public static final String NAME = "webhook";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public WebhookOptions options(PluginBlock block) {
    if (block.instances() > 1) {
      throw new ConfigException("verticles." + NAME + ".instances", "must be 1: every instance would deliver every event");
    }
    // a disabled webhook may be configured half-way; it is checked once it is switched on
    return block.enabled() ? WebhookOptions.from(block.config()) : null;
  }

  @Override
  public Deployable create(PluginContext context, WebhookOptions options) {
    return new WebhookVerticle(context, options);
  }
}
