package dev.gatehouse.session;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.Set;

/**
 * A server-side SSO session. The cookie holds a 256-bit token; the store keeps only its SHA-256
 * ({@code tokenHash}). {@code id} is a separate public handle for listing and revoking. Immutable.
 *
 * @param amr authentication methods used (RFC 8176 values such as {@code pwd})
 * @param expiresAt the absolute cap: activity never extends past it
 */
public record Session(
    String id,
    String tokenHash,
    UserId userId,
    Instant createdAt,
    Instant lastSeenAt,
    Instant expiresAt,
    Set<String> amr,
    String userAgent,
    String clientAddress) {

  /** Copy with a new last-seen time. */
  Session touchedAt(Instant at) {
    return new Session(
        id, tokenHash, userId, createdAt, at, expiresAt, amr, userAgent, clientAddress);
  }
}
