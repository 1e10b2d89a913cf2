package dev.gatehouse.oidc;

import dev.gatehouse.kernel.UserId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Storage of grants and access-token records. Thread-safe; never returns null. */
public interface TokenRepository {
  /**
   * The server-side record of an access token (the JWT itself is not stored).
   *
   * @param grantId the grant it came from; empty for client_credentials
   * @param user the user it acts for; empty when the client acts for itself
   */
  record AccessTokenRecord(
      String jti,
      Optional<String> grantId,
      String clientId,
      Optional<UserId> user,
      Set<String> scopes,
      List<String> audience,
      Instant createdAt,
      Instant expiresAt) {}

  /**
   * A record, whether it (or its grant) was revoked, and how the user signed in for its grant
   * ({@code amr}; empty for client_credentials).
   */
  record Status(AccessTokenRecord token, boolean revoked, Set<String> amr) {}

  /**
   * What a user gave a client: refresh and access tokens hang off it; revoking it revokes them.
   *
   * @param sessionId the public id of the Gatehouse session it was given in (logout ends it)
   * @param expiresAt the absolute end of its refresh tokens
   */
  record Grant(
      String id,
      String clientId,
      UserId user,
      String sessionId,
      Set<String> scopes,
      Instant authTime,
      Set<String> amr,
      Instant createdAt,
      Instant expiresAt) {}

  /** An authorization code's record (its hash). */
  record Code(
      String codeHash,
      String grantId,
      String clientId,
      String redirectUri,
      String nonce,
      String codeChallenge,
      Instant createdAt,
      Instant expiresAt) {}

  /** Outcome of using a code or a refresh token. */
  sealed interface Use permits Used, Reused, Replayed, Unusable {}

  /** First use: the grant (not revoked, not expired) and, for a code, its record. */
  record Used(Grant grant, Optional<Code> code) implements Use {}

  /**
   * A second use of a refresh token within its client's reuse grace: the grant, and the successor
   * the first use stored sealed — the same one is handed out again, so one token never forks into
   * two chains.
   */
  record Reused(Grant grant, String sealedSuccessor) implements Use {}

  /** Used before: the grant has just been revoked with every token it produced. */
  record Replayed(String grantId) implements Use {}

  /** Unknown, expired, another client's, or its grant is revoked. */
  record Unusable() implements Use {}

  /** Stores a grant and its first code together. */
  void insertGrantWithCode(Grant grant, Code code);

  /** Uses a code of {@code clientId} once; a second use revokes its grant. */
  Use useCode(String codeHash, String clientId, Instant now);

  /** Stores a refresh token of a grant. */
  void insertRefreshToken(String tokenHash, String grantId, String clientId, Instant now);

  /**
   * Rotates a refresh token of {@code clientId} atomically: the old one is marked used and the new
   * one stored, in one transaction; with a {@code reuseGrace}, {@code sealedNew} (the new token
   * sealed with the at-rest key) is kept on the old row until the grace is over. A used one coming
   * back revokes the grant — unless it was used less than {@code reuseGrace} ago, when the answer
   * is {@link Reused} with that sealed successor (two tabs or workers refreshing at once; RFC 9700
   * §4.14.2).
   */
  Use rotateRefreshToken(
      String oldHash,
      String newHash,
      Optional<String> sealedNew,
      String clientId,
      Instant now,
      Duration reuseGrace);

  /** The live grant behind an unused refresh token of {@code clientId}, without using it. */
  Optional<Grant> grantOfRefreshToken(String tokenHash, String clientId, Instant now);

  /** Revokes the grant behind a refresh token of {@code clientId}; false when there is none. */
  boolean revokeByRefreshToken(String tokenHash, String clientId, Instant now);

  /** The grant with this id, if it is live (not revoked, not expired). */
  Optional<Grant> liveGrant(String id, Instant now);

  /** Revokes a grant and every token it produced. */
  void revokeGrant(String id, Instant now);

  /**
   * Revokes the grants given in a Gatehouse session (logout), except those of {@code
   * offline_access} scope; returns every grant given in it (their clients are told).
   */
  List<Grant> revokeSessionGrants(String sessionId, Instant now);

  /** Moves the live grants of one Gatehouse session to its successor (same user, new sign-in). */
  void moveSessionGrants(String fromSessionId, String toSessionId);

  /** The scopes the user consented to for the client. */
  Optional<Set<String>> consent(UserId user, String clientId);

  /** Remembers (replaces) a consent. */
  void saveConsent(UserId user, String clientId, Set<String> scopes, Instant now);

  /** Every consent of a user: client id to scopes. */
  java.util.Map<String, Set<String>> consents(UserId user);

  /** Forgets a consent and revokes the client's grants of that user. */
  void revokeConsent(UserId user, String clientId, Instant now);

  /** Stores a token record (before the token is handed out). */
  void insertAccessToken(AccessTokenRecord token);

  /** The record of {@code jti}, revoked or not. */
  Optional<Status> accessToken(String jti);

  /** Revokes one access token of {@code clientId}; false when it is not that client's. */
  boolean revokeAccessToken(String jti, String clientId, Instant now);

  /** Revokes every token of a client (it was disabled or deleted); the number revoked. */
  int revokeClient(String clientId, Instant now);

  /** The ids of clients that hold an unrevoked grant or access token. */
  Set<String> clientsHoldingTokens();

  /** Forgets access-token records that expired before {@code before}. */
  int purgeExpired(Instant before);

  /** Drops the sealed successors of refresh tokens used before {@code usedBefore}. */
  int dropSealedSuccessors(Instant usedBefore);
}
