package dev.gatehouse.mail;

import java.util.Optional;

/**
 * One email. Recipient and subject are header values: they may never hold CR, LF or other control
 * characters (no header injection). Immutable.
 */
public record Message(String to, String subject, String text, String html) {
  /** Validates the header values. */
  public Message {
    for (String header : new String[] {to, subject}) {
      if (header.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException("control characters in a mail header");
      }
    }
  }

  /** A queued message with its outbox identity. */
  public record Queued(
      String id, Message message, Optional<java.time.Instant> expiresAt, int attempts) {}
}
