package dev.gatehouse.credential;

import java.text.Normalizer;
import java.util.Optional;

/**
 * What a password must be (NIST SP 800-63B-4): verified exactly as typed after NFKC normalisation —
 * no trimming, no truncation, no composition rules; a minimum length for new passwords; a maximum
 * length checked before any hashing so that huge input costs nothing. Immutable and thread-safe.
 */
public final class PasswordPolicy {
  private final int minLength;
  private final int maxLength;

  /** A policy with these bounds, in code points. */
  public PasswordPolicy(int minLength, int maxLength) {
    this.minLength = minLength;
    this.maxLength = maxLength;
  }

  /**
   * The normalised password to hash or verify, or empty when it is longer than the maximum (or
   * empty). Over-long raw input is refused before normalising, since NFKC can expand text.
   */
  public Optional<String> normalise(String raw) {
    if (raw.isEmpty() || raw.length() > maxLength * 2) {
      return Optional.empty();
    }
    String normalised = Normalizer.normalize(raw, Normalizer.Form.NFKC);
    if (normalised.codePointCount(0, normalised.length()) > maxLength) {
      return Optional.empty();
    }
    return Optional.of(normalised);
  }

  /**
   * Checks a new password; returns the normalised form, or empty with {@link #problem} telling why.
   */
  public Optional<String> acceptNew(String raw) {
    return normalise(raw)
        .filter(p -> p.codePointCount(0, p.length()) >= minLength)
        .filter(p -> !p.isBlank());
  }

  /** A sentence saying what a new password must be. */
  public String problem() {
    return "Use a password of " + minLength + " to " + maxLength + " characters.";
  }

  /** Shortest accepted new password. */
  public int minLength() {
    return minLength;
  }

  /** Longest accepted password. */
  public int maxLength() {
    return maxLength;
  }
}
