package dev.gatehouse.kernel;

import java.util.Objects;

/**
 * A secret value (password, token, key) whose {@code toString} never reveals it, so that it cannot
 * leak into a log line or an exception message by accident. Immutable and thread-safe.
 */
public final class Secret {
  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps a secret value. */
  public static Secret of(String value) {
    return new Secret(value);
  }

  /** The secret itself; call only where it is used, never to log or display it. */
  public String reveal() {
    return value;
  }

  /** Whether the secret is the empty string. */
  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return "[redacted]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Secret that && Tokens.constantTimeEquals(value, that.value);
  }

  @Override
  public int hashCode() {
    return 0; // Secrets are not meant as map keys; a constant keeps the contract without leaking.
  }
}
