package dev.gatehouse.store;

import dev.gatehouse.session.HandOffRepository;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Cross-domain hand-off codes in SQL. Thread-safe. */
public final class JdbcHandOffs implements HandOffRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcHandOffs(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(Code code) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO handoff_codes (code_hash, session_id, domain, binding, return_to,"
                        + " expires_at) VALUES (:hash, :session, :domain, :binding, :returnTo,"
                        + " :expires)")
                .bind("hash", code.codeHash())
                .bind("session", code.sessionId())
                .bind("domain", code.domain())
                .bind("binding", code.binding())
                .bind("returnTo", code.returnTo())
                .bind("expires", code.expiresAt().toEpochMilli())
                .execute());
  }

  @Override
  public Optional<Code> take(String codeHash) {
    return jdbi.inTransaction(
        h -> {
          Optional<Code> found =
              h.createQuery(
                      "SELECT code_hash, session_id, domain, binding, return_to, expires_at"
                          + " FROM handoff_codes WHERE code_hash = :hash")
                  .bind("hash", codeHash)
                  .map(
                      (rs, ctx) ->
                          new Code(
                              rs.getString("code_hash"),
                              rs.getString("session_id"),
                              rs.getString("domain"),
                              rs.getString("binding"),
                              rs.getString("return_to"),
                              Instant.ofEpochMilli(rs.getLong("expires_at"))))
                  .findOne();
          if (found.isEmpty()) {
            return found;
          }
          // Whoever deletes the row owns the code: two concurrent redemptions cannot both win.
          int deleted =
              h.createUpdate("DELETE FROM handoff_codes WHERE code_hash = :hash")
                  .bind("hash", codeHash)
                  .execute();
          return deleted == 1 ? found : Optional.empty();
        });
  }

  @Override
  public int purge(Instant before) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM handoff_codes WHERE expires_at < :before")
                .bind("before", before.toEpochMilli())
                .execute());
  }
}
