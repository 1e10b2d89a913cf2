package dev.gatehouse.keys;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of token-signing keys, sealed with the at-rest key. Thread-safe; never returns null. */
public interface SigningKeyRepository {
  /**
   * A stored key.
   *
   * @param sealedJwk the private JWK, encrypted by {@link AtRestCipher}
   * @param activeFrom when it may start signing (it is published before)
   * @param retiredAt when it stops signing (it stays published while its tokens live)
   */
  record StoredKey(
      String kid,
      String alg,
      String sealedJwk,
      Instant createdAt,
      Instant activeFrom,
      Optional<Instant> retiredAt) {}

  /** Every stored key, oldest first. */
  List<StoredKey> list();

  /**
   * In one transaction: every key not yet retired is retired at {@code retireAt}, and {@code keys}
   * are stored.
   */
  void rotate(List<StoredKey> keys, Instant retireAt);

  /** Stores {@code keys} beside the existing ones (none is retired). */
  void add(List<StoredKey> keys);

  /** Forgets keys retired before {@code before}; the number forgotten. */
  int deleteRetiredBefore(Instant before);
}
