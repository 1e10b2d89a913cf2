package dev.gatehouse.credential;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.Optional;

/** Storage of password hashes. Thread-safe; no method returns null. */
public interface CredentialRepository {
  /** The user's password hash (PHC string), if the user has a password. */
  Optional<String> passwordHash(UserId user);

  /** Sets or replaces the user's password hash. */
  void setPasswordHash(UserId user, String hash, Instant at);
}
