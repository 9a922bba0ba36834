package dev.vertdesk.config;

/** A configuration value that cannot be used; the message names the key. */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super("config key '" + key + "': " + problem);
    this.key = key;
  }

  private ConfigException(String key, String message, boolean raw) {
    super(message);
    this.key = key;
  }

  /** The full name of the key at fault ({@code verticles.relay.config.checkKey}). */
  public String key() {
    return key;
  }

  /** This error with where the value came from added ({@code " (from environment variable X)"}). */
  ConfigException from(String origin) {
    return origin.isEmpty() ? this : new ConfigException(key, getMessage() + origin, true);
  }
}
