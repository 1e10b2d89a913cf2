package dev.gatehouse.store;

import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.mail.Message;
import dev.gatehouse.signin.magiclink.RegistrationRepository;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Pending self sign-ups in SQL; each is stored with its message in one transaction. */
public final class JdbcRegistrations implements RegistrationRepository {
  private final Jdbi jdbi;
  private final JdbcOutbox outbox;

  /** Repository over {@code database}. */
  public JdbcRegistrations(Database database, JdbcOutbox outbox) {
    this.jdbi = database.jdbi();
    this.outbox = outbox;
  }

  @Override
  public void createAndQueue(Pending pending, Message.Queued message, Instant now) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("DELETE FROM registrations WHERE email = :email AND consumed_at IS NULL")
              .bind("email", pending.email())
              .execute();
          h.createUpdate(
                  "INSERT INTO registrations (token_hash, email, created_at, expires_at)"
                      + " VALUES (:hash, :email, :created, :expires)")
              .bind("hash", pending.tokenHash())
              .bind("email", pending.email())
              .bind("created", pending.createdAt().toEpochMilli())
              .bind("expires", pending.expiresAt().toEpochMilli())
              .execute();
          outbox.insert(h, message, now);
        });
  }

  @Override
  public Optional<Pending> findUsable(String tokenHash, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT token_hash, email, created_at, expires_at FROM registrations"
                        + " WHERE token_hash = :hash AND consumed_at IS NULL AND expires_at > :now")
                .bind("hash", tokenHash)
                .bind("now", now.toEpochMilli())
                .map(
                    (rs, ctx) ->
                        new Pending(
                            rs.getString("token_hash"),
                            rs.getString("email"),
                            Instant.ofEpochMilli(rs.getLong("created_at")),
                            Instant.ofEpochMilli(rs.getLong("expires_at"))))
                .findOne());
  }

  @Override
  public Completed complete(
      String tokenHash, User user, Optional<String> passwordHash, Instant now) {
    String email = user.email().orElseThrow();
    boolean usernameTaken =
        jdbi.withHandle(
                h ->
                    h.createQuery("SELECT COUNT(*) FROM users WHERE username = :name")
                        .bind("name", user.username())
                        .mapTo(Long.class)
                        .one())
            > 0;
    if (usernameTaken) {
      return Completed.USERNAME_TAKEN;
    }
    try {
      return jdbi.inTransaction(
          h -> {
            int used =
                h.createUpdate(
                        "UPDATE registrations SET consumed_at = :now WHERE token_hash = :hash"
                            + " AND email = :email AND consumed_at IS NULL AND expires_at > :now")
                    .bind("hash", tokenHash)
                    .bind("email", email)
                    .bind("now", now.toEpochMilli())
                    .execute();
            if (used != 1) {
              return Completed.UNUSABLE;
            }
            JdbcUsers.insert(h, user);
            if (passwordHash.isPresent()) {
              JdbcUsers.setPasswordHash(h, user.id(), passwordHash.get(), now);
            }
            return Completed.CREATED;
          });
    } catch (DirectoryException.DuplicateException e) {
      // The transaction rolled back, so the link is not used; an address taken meanwhile can never
      // succeed, so that link is spent for good.
      if (e.getMessage().contains("email")) {
        jdbi.useHandle(
            h ->
                h.createUpdate(
                        "UPDATE registrations SET consumed_at = :now WHERE token_hash = :hash")
                    .bind("hash", tokenHash)
                    .bind("now", now.toEpochMilli())
                    .execute());
        return Completed.EMAIL_TAKEN;
      }
      return Completed.USERNAME_TAKEN;
    }
  }
}
