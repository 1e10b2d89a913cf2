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
   * The unrevoked session with this token hash whose user exists and is enabled (and, for a session
   * on a further domain, whose sign-in is unrevoked). Expiry is the caller's job (it owns the
   * clock).
   */
  Optional<Session> findActive(String tokenHash);

  /** The unrevoked session with this public id whose user exists and is enabled. */
  Optional<Session> findActiveById(String id);

  /**
   * Records activity. May be stored a moment later, off the caller's path; look-ups through this
   * repository see it at once.
   */
  void touch(String tokenHash, Instant lastSeenAt);

  /** Records activity of the sign-in (root session) with this public id, as {@link #touch}. */
  void touchSignIn(String id, Instant lastSeenAt);

  /**
   * Revokes one sign-in by public id (an unambiguous prefix of at least 8 characters is enough),
   * with the sessions opened from it on further domains; count of sign-ins revoked.
   */
  int revoke(String idOrPrefix, Instant at);

  /**
   * Revokes the sign-in the session with this token hash belongs to: its root session and every
   * session opened from it on further domains. The token hashes revoked; empty when none was
   * active.
   */
  List<String> revokeByTokenHash(String tokenHash, Instant at);

  /** Revokes all the user's sessions; count revoked. */
  int revokeAllForUser(UserId user, Instant at);

  /**
   * Unrevoked, unexpired sign-ins (root sessions, by absolute cap), optionally of one user, newest
   * first.
   */
  List<Session> listActive(Optional<UserId> user, Instant now);

  /** Live sign-ins (root sessions) opened through an upstream provider (with an {@code idp}). */
  List<Session> listActiveThroughProviders(Instant now);

  /** Number of unrevoked sign-ins (root sessions) whose absolute cap has not passed. */
  long countActive(Instant now);

  /** Deletes sessions that expired or were revoked before {@code before}; count deleted. */
  int purge(Instant before);
}
