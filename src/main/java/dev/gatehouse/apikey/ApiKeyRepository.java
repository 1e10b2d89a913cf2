package dev.gatehouse.apikey;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of API keys (hashes only). Thread-safe; no method returns null. */
public interface ApiKeyRepository {
  /** A stored key with the SHA-256 of the whole key. */
  record Stored(ApiKey key, String secretHash) {}

  /** Stores a new key; durable when this returns. */
  void insert(ApiKey key, String secretHash);

  /** The unrevoked key with this id whose owner, if any, exists and is enabled. */
  Optional<Stored> findActive(String id);

  /** Unrevoked keys, optionally of one user, newest first. */
  List<ApiKey> list(Optional<UserId> owner);

  /** Revokes a key; false when no unrevoked key has this id. */
  boolean revoke(String id, Instant at);

  /** Revokes all the user's keys; the number revoked. */
  int revokeAllForUser(UserId user, Instant at);

  /** Records use. */
  void touch(String id, Instant at);
}
