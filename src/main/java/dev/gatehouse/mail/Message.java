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
      String id, Message message, Optional<java.time.Instant> expiresAt, int attempts) {
    /**
     * A message about to enter the outbox: a random 128-bit id (its stable Message-ID), not sent
     * after {@code expiresAt} (when its link dies).
     */
    public static Queued fresh(
        Message message, java.time.Instant expiresAt, java.security.SecureRandom random) {
      byte[] id = new byte[16];
      random.nextBytes(id);
      return new Queued(java.util.HexFormat.of().formatHex(id), message, Optional.of(expiresAt), 0);
    }
  }
}
