package dev.gatehouse.signin.magiclink;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.Message;
import java.time.Instant;
import java.util.Optional;

/** Storage of magic sign-in links (hashes only). Thread-safe; no method returns null. */
public interface MagicLinkRepository {
  /** A stored link. */
  record Link(
      String tokenHash, UserId user, String browserHash, Instant createdAt, Instant expiresAt) {}

  /**
   * In one transaction: forgets the user's unused links (a new request invalidates older ones),
   * stores {@code link} and queues {@code message} in the outbox.
   */
  void replaceAndQueue(Link link, Message.Queued message, Instant now);

  /** The unconsumed, unexpired link with this hash. */
  Optional<Link> findUsable(String tokenHash, Instant now);

  /** Atomically marks the link used; true for exactly one caller while it is usable. */
  boolean consume(String tokenHash, Instant now);
}
