package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.signin.passkey.PasskeyRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** Passkeys and WebAuthn ceremonies in SQL. Thread-safe. */
public final class JdbcPasskeys implements PasskeyRepository {
  private static final String COLUMNS =
      "credential_id, user_id, public_key, sign_count, name, created_at, last_used_at, flagged";

  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcPasskeys(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(Passkey passkey) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO passkeys ("
                        + COLUMNS
                        + ") VALUES (:id, :user, :key, :count, :name,"
                        + " :created, NULL, FALSE)")
                .bind("id", passkey.credentialId())
                .bind("user", passkey.user().value())
                .bind("key", passkey.publicKeyCose())
                .bind("count", passkey.signCount())
                .bind("name", passkey.name())
                .bind("created", passkey.createdAt().toEpochMilli())
                .execute());
  }

  @Override
  public List<Passkey> listForUser(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM passkeys WHERE user_id = :user ORDER BY created_at")
                .bind("user", user.value())
                .map(JdbcPasskeys::passkey)
                .list());
  }

  @Override
  public Optional<Passkey> find(String credentialId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM passkeys WHERE credential_id = :id")
                .bind("id", credentialId)
                .map(JdbcPasskeys::passkey)
                .findOne());
  }

  @Override
  public void recordUse(String credentialId, long signCount, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE passkeys SET sign_count = :count, last_used_at = :at WHERE credential_id = :id")
                .bind("id", credentialId)
                .bind("count", signCount)
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public void flag(String credentialId) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE passkeys SET flagged = TRUE WHERE credential_id = :id")
                .bind("id", credentialId)
                .execute());
  }

  @Override
  public boolean delete(String credentialId, UserId user) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM passkeys WHERE credential_id = :id AND user_id = :user")
                    .bind("id", credentialId)
                    .bind("user", user.value())
                    .execute())
        > 0;
  }

  @Override
  public void saveCeremony(
      String id, String kind, String requestJson, Optional<UserId> user, Instant expiresAt) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO webauthn_ceremonies (id, kind, request_json, user_id, expires_at)"
                        + " VALUES (:id, :kind, :json, :user, :expires)")
                .bind("id", id)
                .bind("kind", kind)
                .bind("json", requestJson)
                .bind("user", user.map(UserId::value).orElse(null))
                .bind("expires", expiresAt.toEpochMilli())
                .execute());
  }

  @Override
  public Optional<Ceremony> takeCeremony(String id, String kind, Instant now) {
    return jdbi.inTransaction(
        h -> {
          Optional<Ceremony> found =
              h.createQuery(
                      "SELECT request_json, user_id FROM webauthn_ceremonies WHERE id = :id AND kind = :kind"
                          + " AND expires_at > :now")
                  .bind("id", id)
                  .bind("kind", kind)
                  .bind("now", now.toEpochMilli())
                  .map(
                      (rs, ctx) ->
                          new Ceremony(
                              rs.getString("request_json"),
                              Optional.ofNullable(rs.getString("user_id")).map(UserId::new)))
                  .findOne();
          int deleted =
              h.createUpdate("DELETE FROM webauthn_ceremonies WHERE id = :id")
                  .bind("id", id)
                  .execute();
          return deleted == 1 ? found : Optional.empty();
        });
  }

  private static Passkey passkey(ResultSet rs, StatementContext ctx) throws SQLException {
    long used = rs.getLong("last_used_at");
    Optional<Instant> lastUsed =
        rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(used));
    return new Passkey(
        rs.getString("credential_id"),
        new UserId(rs.getString("user_id")),
        rs.getString("public_key"),
        rs.getLong("sign_count"),
        rs.getString("name"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        lastUsed,
        rs.getBoolean("flagged"));
  }
}
