package dev.gatehouse.signin.totp;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Storage of TOTP enrolments, recovery codes and second-factor challenges. Thread-safe; never null.
 */
public interface TotpRepository {
  /** A user's enrolment; {@code sealedSecret} is encrypted at rest. */
  record Enrollment(UserId user, String sealedSecret, boolean confirmed, long lastStep) {}

  /** The user's enrolment, confirmed or pending. */
  Optional<Enrollment> find(UserId user);

  /** Starts (or restarts) an unconfirmed enrolment. Fails if a confirmed one exists. */
  void savePending(UserId user, String sealedSecret, Instant at);

  /** Confirms the enrolment and replaces the recovery codes (hashes) in one transaction. */
  void confirm(UserId user, List<String> recoveryCodeHashes);

  /** Atomically accepts time step {@code step} if it is later than the last accepted one. */
  boolean acceptStep(UserId user, long step);

  /** Atomically uses up a recovery code; true for exactly one caller. */
  boolean useRecoveryCode(UserId user, String codeHash);

  /** Recovery codes left. */
  int recoveryCodesLeft(UserId user);

  /** Removes the enrolment and the recovery codes. */
  void delete(UserId user);

  /** Stores a second-factor challenge. */
  void saveChallenge(String tokenHash, UserId user, Instant expiresAt);

  /** The user of an unexpired challenge. */
  Optional<UserId> findChallenge(String tokenHash, Instant now);

  /** Deletes a challenge; true for exactly one caller. */
  boolean deleteChallenge(String tokenHash);
}
