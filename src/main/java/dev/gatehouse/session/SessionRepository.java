package dev.gatehouse.session;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of sessions. Thread-safe; no method returns null. */
public interface SessionRepository {
  /** Stores a new session; durable when this returns. */
  void insert(Session session);

  /**
   * The unrevoked session with this token hash whose user exists and is enabled. Expiry is the
   * caller's job (it owns the clock).
   */
  Optional<Session> findActive(String tokenHash);

  /** Records activity. */
  void touch(String tokenHash, Instant lastSeenAt);

  /**
   * Revokes one session by public id (an unambiguous prefix of at least 8 characters is enough);
   * count revoked.
   */
  int revoke(String idOrPrefix, Instant at);

  /** Revokes one session by token hash; false when none was active. */
  boolean revokeByTokenHash(String tokenHash, Instant at);

  /** Revokes all the user's sessions; count revoked. */
  int revokeAllForUser(UserId user, Instant at);

  /** Unrevoked, unexpired sessions (by absolute cap), optionally of one user, newest first. */
  List<Session> listActive(Optional<UserId> user, Instant now);

  /** Live sessions opened through an upstream provider (those with an {@code idp}). */
  List<Session> listActiveThroughProviders(Instant now);

  /** Number of unrevoked sessions whose absolute cap has not passed. */
  long countActive(Instant now);

  /** Deletes sessions that expired or were revoked before {@code before}; count deleted. */
  int purge(Instant before);
}
