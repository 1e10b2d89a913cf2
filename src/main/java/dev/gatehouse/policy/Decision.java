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

  /**
   * Refused (403); {@code reason} is for the log only. {@code secondFactorWouldHelp} when the only
   * thing missing is a second factor: a browser can then be offered a step-up sign-in.
   */
  record Deny(String reason, boolean secondFactorWouldHelp) implements Decision {
    /** Refused, and more factors would not change it. */
    public Deny(String reason) {
      this(reason, false);
    }
  }
}
