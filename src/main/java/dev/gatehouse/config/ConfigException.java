package dev.gatehouse.config;

/**
 * An invalid configuration value. The message names the key, the value (redacted for secrets) and
 * what is allowed, so that the operator can fix it without reading code.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  ConfigException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** An invalid value for {@code key}. */
  static ConfigException invalid(ConfigKey key, String value, String allowed) {
    String shown = key.secret() ? "[redacted]" : "\"" + value + "\"";
    return new ConfigException(
        key.name(), "invalid value " + shown + " for " + key.name() + ": " + allowed);
  }

  /**
   * A field a structured value does not know. Its value is never shown: a misspelt field may well
   * hold a secret ({@code secret:} for {@code secret-file:}).
   */
  static ConfigException unknownField(String where, String allowed) {
    return new ConfigException(where, "unknown field " + where + "; " + allowed);
  }

  /** The configuration file named on the command line does not exist. */
  public static ConfigException missingFile(java.nio.file.Path file) {
    return new ConfigException("--config", "configuration file " + file + " does not exist");
  }

  /** The configuration key at fault. */
  public String key() {
    return key;
  }
}
