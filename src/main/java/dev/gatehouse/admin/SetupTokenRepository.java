package dev.gatehouse.admin;

import java.time.Instant;

/** Storage of first-run setup tokens (hashes only). Thread-safe. */
public interface SetupTokenRepository {
  /** Replaces every stored token by this one. */
  void replaceAll(String tokenHash, Instant expiresAt);

  /** Whether an unexpired token with this hash exists. */
  boolean isValid(String tokenHash, Instant now);

  /** Atomically deletes the token if it exists and is unexpired; true for exactly one caller. */
  boolean consume(String tokenHash, Instant now);
}
