package dev.gatehouse.signin.magiclink;

import dev.gatehouse.identity.User;
import dev.gatehouse.mail.Message;
import java.time.Instant;
import java.util.Optional;

/**
 * Pending self sign-ups: a link sent to an address before any account exists (hashes only).
 * Thread-safe; no method returns null.
 */
public interface RegistrationRepository {
  /** A pending sign-up. */
  record Pending(String tokenHash, String email, Instant createdAt, Instant expiresAt) {}

  /** Outcome of {@link #complete}. */
  enum Completed {
    CREATED,
    /** Unknown, used or expired link. */
    UNUSABLE,
    /** The username is taken; the link still works. */
    USERNAME_TAKEN,
    /** An account with the address appeared meanwhile; the link is used up. */
    EMAIL_TAKEN
  }

  /**
   * In one transaction: forgets older unused sign-ups for the same address, stores {@code pending}
   * and queues {@code message}.
   */
  void createAndQueue(Pending pending, Message.Queued message, Instant now);

  /** The unused, unexpired sign-up with this hash. */
  Optional<Pending> findUsable(String tokenHash, Instant now);

  /**
   * In one transaction: marks the sign-up used, stores {@code user} (whose email must be the
   * sign-up's) and, when present, its password hash.
   */
  Completed complete(String tokenHash, User user, Optional<String> passwordHash, Instant now);
}
