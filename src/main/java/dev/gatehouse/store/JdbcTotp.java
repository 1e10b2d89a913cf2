package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.signin.totp.TotpRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** TOTP enrolments, recovery codes and second-factor challenges in SQL. Thread-safe. */
public final class JdbcTotp implements TotpRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcTotp(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public Optional<Enrollment> find(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT secret, confirmed, last_step FROM totp_enrollments WHERE user_id = :user")
                .bind("user", user.value())
                .map(
                    (rs, ctx) ->
                        new Enrollment(
                            user,
                            rs.getString("secret"),
                            rs.getBoolean("confirmed"),
                            rs.getLong("last_step")))
                .findOne());
  }

  @Override
  public void savePending(UserId user, String sealedSecret, Instant at) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("DELETE FROM totp_enrollments WHERE user_id = :user AND confirmed = FALSE")
              .bind("user", user.value())
              .execute();
          h.createUpdate(
                  "INSERT INTO totp_enrollments (user_id, secret, confirmed, last_step, created_at)"
                      + " VALUES (:user, :secret, FALSE, 0, :at)")
              .bind("user", user.value())
              .bind("secret", sealedSecret)
              .bind("at", at.toEpochMilli())
              .execute();
        });
  }

  @Override
  public void confirm(UserId user, List<String> recoveryCodeHashes) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("UPDATE totp_enrollments SET confirmed = TRUE WHERE user_id = :user")
              .bind("user", user.value())
              .execute();
          h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :user")
              .bind("user", user.value())
              .execute();
          for (String hash : recoveryCodeHashes) {
            h.createUpdate("INSERT INTO recovery_codes (user_id, code_hash) VALUES (:user, :hash)")
                .bind("user", user.value())
                .bind("hash", hash)
                .execute();
          }
        });
  }

  @Override
  public boolean acceptStep(UserId user, long step) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE totp_enrollments SET last_step = :step WHERE user_id = :user AND last_step < :step")
                    .bind("user", user.value())
                    .bind("step", step)
                    .execute())
        == 1;
  }

  @Override
  public boolean useRecoveryCode(UserId user, String codeHash) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "DELETE FROM recovery_codes WHERE user_id = :user AND code_hash = :hash")
                    .bind("user", user.value())
                    .bind("hash", codeHash)
                    .execute())
        == 1;
  }

  @Override
  public int recoveryCodesLeft(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COUNT(*) FROM recovery_codes WHERE user_id = :user")
                .bind("user", user.value())
                .mapTo(Integer.class)
                .one());
  }

  @Override
  public void delete(UserId user) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("DELETE FROM totp_enrollments WHERE user_id = :user")
              .bind("user", user.value())
              .execute();
          h.createUpdate("DELETE FROM recovery_codes WHERE user_id = :user")
              .bind("user", user.value())
              .execute();
        });
  }

  @Override
  public void saveChallenge(String tokenHash, UserId user, Instant expiresAt) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO mfa_challenges (token_hash, user_id, expires_at) VALUES (:hash, :user, :expires)")
                .bind("hash", tokenHash)
                .bind("user", user.value())
                .bind("expires", expiresAt.toEpochMilli())
                .execute());
  }

  @Override
  public Optional<UserId> findChallenge(String tokenHash, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT user_id FROM mfa_challenges WHERE token_hash = :hash AND expires_at > :now")
                .bind("hash", tokenHash)
                .bind("now", now.toEpochMilli())
                .mapTo(String.class)
                .findOne()
                .map(UserId::new));
  }

  @Override
  public boolean deleteChallenge(String tokenHash) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM mfa_challenges WHERE token_hash = :hash")
                    .bind("hash", tokenHash)
                    .execute())
        == 1;
  }
}
