package dev.gatehouse.policy;

import java.util.Locale;
import java.util.Optional;

/** What a matching rule demands. */
public enum Policy {
  /** Anyone, signed in or not. */
  BYPASS,
  /** Any signed-in user or valid credential. */
  AUTHENTICATED,
  /**
   * A session whose methods include two factors or a user-verified passkey ({@code amr} has {@code
   * mfa}).
   */
  TWO_FACTOR,
  /** Nobody. */
  DENY;

  /** Parses {@code bypass}, {@code authenticated}, {@code two-factor} or {@code deny}. */
  public static Optional<Policy> parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "bypass" -> Optional.of(BYPASS);
      case "authenticated" -> Optional.of(AUTHENTICATED);
      case "two-factor" -> Optional.of(TWO_FACTOR);
      case "deny" -> Optional.of(DENY);
      default -> Optional.empty();
    };
  }
}
