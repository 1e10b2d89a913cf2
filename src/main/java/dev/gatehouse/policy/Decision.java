package dev.gatehouse.policy;

import java.util.Optional;

/** The answer to "may this request pass?". */
public sealed interface Decision {
  /** Let it through; identity headers describe {@code subject} when there is one. */
  record Allow(Optional<Subject> subject, boolean identityJwt) implements Decision {
    /** Allowed, without a signed identity JWT for the upstream. */
    public Allow(Optional<Subject> subject) {
      this(subject, false);
    }
  }

  /** Sign in first (401, or 302 to the portal for a browser). */
  record Challenge() implements Decision {}

  /** Refused whoever asks (403); {@code reason} is for the log only. */
  record Deny(String reason) implements Decision {}
}
