package dev.gatehouse.credential;

import java.text.Normalizer;
import java.util.Optional;

/**
 * What a password must be (NIST SP 800-63B-4): verified exactly as typed after NFKC normalisation —
 * no trimming, no truncation, no composition rules; a minimum length for new passwords; a maximum
 * length checked before any hashing so that huge input costs nothing; and not common, guessable or
 * context-specific, as judged by zxcvbn (the maintained estimator, with the username, address and
 * site name as context) rather than a hand-made list. Immutable and thread-safe.
 */
public final class PasswordPolicy {
  /** zxcvbn scores 0..4; 3 resists an offline attack on a slow hash. */
  private static final int MIN_SCORE = 3;

  /** The dictionaries load on first use, not at start-up. */
  private static final class Estimator {
    static final com.nulabinc.zxcvbn.Zxcvbn INSTANCE = new com.nulabinc.zxcvbn.Zxcvbn();
  }

  /** A verdict on a new password: the normalised form to hash, or why it is refused. */
  public record Checked(Optional<String> accepted, String problem) {}

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
   * Checks a new password against the lengths and the estimator, with words a guesser would try for
   * this account ({@code context}: the username, email address, display name; "gatehouse" always).
   */
  public Checked check(String raw, java.util.List<String> context) {
    Optional<String> normalised =
        normalise(raw)
            .filter(p -> p.codePointCount(0, p.length()) >= minLength)
            .filter(p -> !p.isBlank());
    if (normalised.isEmpty()) {
      return new Checked(Optional.empty(), problem());
    }
    java.util.List<String> words = new java.util.ArrayList<>(java.util.List.of("gatehouse"));
    for (String item : context) {
      if (!item.isBlank()) {
        words.add(item.toLowerCase(java.util.Locale.ROOT));
        words.addAll(
            java.util.List.of(item.toLowerCase(java.util.Locale.ROOT).split("[@._\\s-]+")));
      }
    }
    com.nulabinc.zxcvbn.Strength strength = Estimator.INSTANCE.measure(normalised.get(), words);
    if (strength.getScore() >= MIN_SCORE) {
      return new Checked(normalised, "");
    }
    com.nulabinc.zxcvbn.Feedback feedback = strength.getFeedback();
    StringBuilder why = new StringBuilder("This password is too easy to guess");
    String warning = feedback.getWarning();
    why.append(warning == null || warning.isBlank() ? "." : ": " + warning.strip());
    if (why.charAt(why.length() - 1) != '.') {
      why.append('.');
    }
    for (String suggestion : feedback.getSuggestions()) {
      why.append(' ').append(suggestion.strip());
    }
    why.append(" A few uncommon words that have nothing to do with you make a good one.");
    return new Checked(Optional.empty(), why.toString());
  }

  /** Checks a new password without account context (see {@link #check}). */
  public Optional<String> acceptNew(String raw) {
    return check(raw, java.util.List.of()).accepted();
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
