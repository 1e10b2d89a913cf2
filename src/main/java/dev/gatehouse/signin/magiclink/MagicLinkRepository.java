package dev.gatehouse.signin.magiclink;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.Message;
import java.time.Instant;
import java.util.Optional;

/**
 * Storage of emailed links — sign-in and password reset — (hashes only). Thread-safe; no method
 * returns null.
 */
public interface MagicLinkRepository {
  /** What a link is for; a link works only for its own purpose. */
  enum Purpose {
    SIGNIN,
    RESET,
    /** The "this wasn't me" link of a sign-in alert. */
    ALERT,
    /** An invitation to set up a new account. */
    INVITE,
    /** Proves that the user receives mail at their address. */
    VERIFY,
    /** Moves the user to the address in the payload (sent to that address). */
    EMAIL_CHANGE
  }

  /** Outcome of {@link #changeEmail}. */
  enum EmailChange {
    CHANGED,
    /** Unknown, used or expired link. */
    UNUSABLE,
    /** Another account took the address meanwhile (the link is used up). */
    TAKEN
  }

  /**
   * A stored link.
   *
   * @param payload what the link carries besides its user (the new address of an email change), or
   *     empty
   */
  record Link(
      String tokenHash,
      Purpose purpose,
      UserId user,
      String browserHash,
      Instant createdAt,
      Instant expiresAt,
      String payload) {}

  /**
   * In one transaction: forgets the user's unused links of the same purpose (a new request
   * invalidates older ones), stores {@code link} and queues {@code message} in the outbox.
   */
  void replaceAndQueue(Link link, Message.Queued message, Instant now);

  /** The unconsumed, unexpired link of this purpose with this hash. */
  Optional<Link> findUsable(String tokenHash, Purpose purpose, Instant now);

  /**
   * Remembers a device fingerprint for the user; true when it was new. With {@code alert}, also
   * stores the alert link and queues its message, in the same transaction.
   */
  boolean rememberDevice(
      dev.gatehouse.kernel.UserId user,
      String fingerprint,
      Instant now,
      Optional<Link> alertLink,
      Optional<Message.Queued> alert);

  /** Whether the user has signed in from any device before. */
  boolean hasKnownDevices(dev.gatehouse.kernel.UserId user);

  /** Atomically marks the link used; true for exactly one caller while it is usable. */
  boolean consume(String tokenHash, Purpose purpose, Instant now);

  /**
   * Uses a verification link: marks it used and the user's address verified, if the address is
   * still the one the link was sent to ({@code email}); true when both happened.
   */
  boolean verifyEmail(String tokenHash, String email, Instant now);

  /**
   * Uses an email-change link: in one transaction marks it used, moves its user to the address in
   * its payload (verified) and queues {@code notice} (for the old address).
   */
  EmailChange changeEmail(String tokenHash, Instant now, Optional<Message.Queued> notice);
}
