package dev.gatehouse.store;

import dev.gatehouse.admin.SetupTokenRepository;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/** First-run setup token hashes in SQL. Thread-safe. */
public final class JdbcSetupTokens implements SetupTokenRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcSetupTokens(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void replaceAll(String tokenHash, Instant expiresAt) {
    jdbi.useTransaction(
        h -> {
          h.execute("DELETE FROM setup_tokens");
          h.createUpdate(
                  "INSERT INTO setup_tokens (token_hash, expires_at) VALUES (:hash, :expires)")
              .bind("hash", tokenHash)
              .bind("expires", expiresAt.toEpochMilli())
              .execute();
        });
  }

  @Override
  public boolean isValid(String tokenHash, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = :hash AND expires_at > :now")
                    .bind("hash", tokenHash)
                    .bind("now", now.toEpochMilli())
                    .mapTo(Long.class)
                    .one())
        > 0;
  }

  @Override
  public boolean consume(String tokenHash, Instant now) {
    // A single DELETE is atomic in both databases: of two racing requests exactly one sees a row.
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "DELETE FROM setup_tokens WHERE token_hash = :hash AND expires_at > :now")
                    .bind("hash", tokenHash)
                    .bind("now", now.toEpochMilli())
                    .execute())
        == 1;
  }
}
