package dev.gatehouse.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Matches a canonical host: an exact name, or {@code *.example.com} for any subdomain at a dot
 * boundary (not {@code example.com} itself, never {@code evil-example.com}). Immutable.
 */
public record HostMatcher(String pattern) {

  /** Parses a pattern; empty when it is not a lower-case host name or {@code *.} wildcard. */
  public static Optional<HostMatcher> parse(String text) {
    String lower = text.strip().toLowerCase(Locale.ROOT);
    String name = lower.startsWith("*.") ? lower.substring(2) : lower;
    if (name.isEmpty()
        || !name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
      return Optional.empty();
    }
    return Optional.of(new HostMatcher(lower));
  }

  /** Whether the canonical host (no port) matches. */
  public boolean matches(String host) {
    if (pattern.startsWith("*.")) {
      return host.endsWith(pattern.substring(1)) && host.length() > pattern.length() - 1;
    }
    return host.equals(pattern);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
