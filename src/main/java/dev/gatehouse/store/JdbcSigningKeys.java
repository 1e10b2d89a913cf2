package dev.gatehouse.store;

import dev.gatehouse.keys.SigningKeyRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Signing keys in SQL (sealed; the store never sees a private key in clear). */
public final class JdbcSigningKeys implements SigningKeyRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcSigningKeys(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public List<StoredKey> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT kid, alg, sealed_jwk, created_at, active_from, retired_at FROM signing_keys"
                        + " ORDER BY active_from, kid")
                .map(
                    (rs, ctx) -> {
                      long retired = rs.getLong("retired_at");
                      Optional<Instant> retiredAt =
                          rs.wasNull()
                              ? Optional.empty()
                              : Optional.of(Instant.ofEpochMilli(retired));
                      return new StoredKey(
                          rs.getString("kid"),
                          rs.getString("alg"),
                          rs.getString("sealed_jwk"),
                          Instant.ofEpochMilli(rs.getLong("created_at")),
                          Instant.ofEpochMilli(rs.getLong("active_from")),
                          retiredAt);
                    })
                .list());
  }

  @Override
  public void rotate(List<StoredKey> keys, Instant retireAt) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("UPDATE signing_keys SET retired_at = :at WHERE retired_at IS NULL")
              .bind("at", retireAt.toEpochMilli())
              .execute();
          insert(h, keys);
        });
  }

  @Override
  public void add(List<StoredKey> keys) {
    jdbi.useTransaction(h -> insert(h, keys));
  }

  private static void insert(org.jdbi.v3.core.Handle h, List<StoredKey> keys) {
    for (StoredKey key : keys) {
      h.createUpdate(
              "INSERT INTO signing_keys (kid, alg, sealed_jwk, created_at, active_from)"
                  + " VALUES (:kid, :alg, :sealed, :created, :active)")
          .bind("kid", key.kid())
          .bind("alg", key.alg())
          .bind("sealed", key.sealedJwk())
          .bind("created", key.createdAt().toEpochMilli())
          .bind("active", key.activeFrom().toEpochMilli())
          .execute();
    }
  }

  @Override
  public int deleteRetiredBefore(Instant before) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM signing_keys WHERE retired_at < :before")
                .bind("before", before.toEpochMilli())
                .execute());
  }
}
