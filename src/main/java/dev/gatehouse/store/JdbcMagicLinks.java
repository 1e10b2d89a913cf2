package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.Message;
import dev.gatehouse.signin.magiclink.MagicLinkRepository;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Magic links in SQL; creating one queues its message in the same transaction. */
public final class JdbcMagicLinks implements MagicLinkRepository {
  private final Jdbi jdbi;
  private final JdbcOutbox outbox;

  /** Repository over {@code database}. */
  public JdbcMagicLinks(Database database, JdbcOutbox outbox) {
    this.jdbi = database.jdbi();
    this.outbox = outbox;
  }

  @Override
  public void replaceAndQueue(Link link, Message.Queued message, Instant now) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate(
                  "DELETE FROM magic_links WHERE user_id = :user AND purpose = :purpose AND consumed_at IS NULL")
              .bind("user", link.user().value())
              .bind("purpose", purpose(link.purpose()))
              .execute();
          h.createUpdate(
                  "INSERT INTO magic_links (token_hash, purpose, user_id, browser_hash, created_at,"
                      + " expires_at, payload) VALUES (:hash, :purpose, :user, :browser, :created,"
                      + " :expires, :payload)")
              .bind("purpose", purpose(link.purpose()))
              .bind("payload", link.payload())
              .bind("hash", link.tokenHash())
              .bind("user", link.user().value())
              .bind("browser", link.browserHash())
              .bind("created", link.createdAt().toEpochMilli())
              .bind("expires", link.expiresAt().toEpochMilli())
              .execute();
          outbox.insert(h, message, now);
        });
  }

  @Override
  public Optional<Link> findUsable(String tokenHash, Purpose purpose, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT token_hash, user_id, browser_hash, created_at, expires_at, payload FROM"
                        + " magic_links"
                        + " WHERE token_hash = :hash AND purpose = :purpose AND consumed_at IS NULL"
                        + " AND expires_at > :now")
                .bind("hash", tokenHash)
                .bind("purpose", purpose(purpose))
                .bind("now", now.toEpochMilli())
                .map(
                    (rs, ctx) ->
                        new Link(
                            rs.getString("token_hash"),
                            purpose,
                            new UserId(rs.getString("user_id")),
                            rs.getString("browser_hash"),
                            Instant.ofEpochMilli(rs.getLong("created_at")),
                            Instant.ofEpochMilli(rs.getLong("expires_at")),
                            rs.getString("payload")))
                .findOne());
  }

  @Override
  public boolean consume(String tokenHash, Purpose purpose, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE magic_links SET consumed_at = :now WHERE token_hash = :hash"
                            + " AND purpose = :purpose AND consumed_at IS NULL AND expires_at > :now")
                    .bind("hash", tokenHash)
                    .bind("purpose", purpose(purpose))
                    .bind("now", now.toEpochMilli())
                    .execute())
        == 1;
  }

  @Override
  public boolean verifyEmail(String tokenHash, String email, Instant now) {
    return jdbi.inTransaction(
        h -> {
          Optional<String> user = consume(h, tokenHash, Purpose.VERIFY, now);
          return user.isPresent()
              && h.createUpdate(
                          "UPDATE users SET email_verified = TRUE WHERE id = :id AND email = :email")
                      .bind("id", user.get())
                      .bind("email", email)
                      .execute()
                  == 1;
        });
  }

  @Override
  public EmailChange changeEmail(String tokenHash, Instant now, Optional<Message.Queued> notice) {
    try {
      return jdbi.inTransaction(
          h -> {
            Optional<String> user = consume(h, tokenHash, Purpose.EMAIL_CHANGE, now);
            if (user.isEmpty()) {
              return EmailChange.UNUSABLE;
            }
            String email =
                h.createQuery("SELECT payload FROM magic_links WHERE token_hash = :hash")
                    .bind("hash", tokenHash)
                    .mapTo(String.class)
                    .one();
            boolean taken =
                h.createQuery("SELECT COUNT(*) FROM users WHERE email = :email AND id <> :id")
                        .bind("email", email)
                        .bind("id", user.get())
                        .mapTo(Long.class)
                        .one()
                    > 0;
            if (taken) {
              return EmailChange.TAKEN;
            }
            h.createUpdate("UPDATE users SET email = :email, email_verified = TRUE WHERE id = :id")
                .bind("email", email)
                .bind("id", user.get())
                .execute();
            // Older verification and change links were for the old address.
            h.createUpdate(
                    "DELETE FROM magic_links WHERE user_id = :id AND consumed_at IS NULL"
                        + " AND purpose IN ('verify', 'email_change')")
                .bind("id", user.get())
                .execute();
            if (notice.isPresent()) {
              outbox.insert(h, notice.get(), now);
            }
            return EmailChange.CHANGED;
          });
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        return EmailChange.TAKEN; // another account took the address between check and update
      }
      throw e;
    }
  }

  /** Marks a usable link used inside {@code h}; its user when this call used it. */
  private static Optional<String> consume(
      Handle h, String tokenHash, Purpose purpose, Instant now) {
    return h.createQuery(
            "UPDATE magic_links SET consumed_at = :now WHERE token_hash = :hash AND purpose = :purpose"
                + " AND consumed_at IS NULL AND expires_at > :now RETURNING user_id")
        .bind("hash", tokenHash)
        .bind("purpose", purpose(purpose))
        .bind("now", now.toEpochMilli())
        .mapTo(String.class)
        .findOne();
  }

  @Override
  public boolean rememberDevice(
      UserId user,
      String fingerprint,
      Instant now,
      Optional<Link> alertLink,
      Optional<Message.Queued> alert) {
    return jdbi.inTransaction(
        h -> {
          int inserted =
              h.createUpdate(
                      "INSERT INTO known_devices (user_id, fingerprint, first_seen) VALUES (:user, :fp, :now)"
                          + " ON CONFLICT (user_id, fingerprint) DO NOTHING")
                  .bind("user", user.value())
                  .bind("fp", fingerprint)
                  .bind("now", now.toEpochMilli())
                  .execute();
          if (inserted == 1 && alertLink.isPresent() && alert.isPresent()) {
            Link link = alertLink.get();
            h.createUpdate(
                    "INSERT INTO magic_links (token_hash, purpose, user_id, browser_hash, created_at,"
                        + " expires_at) VALUES (:hash, :purpose, :user, '', :created, :expires)")
                .bind("hash", link.tokenHash())
                .bind("purpose", purpose(link.purpose()))
                .bind("user", link.user().value())
                .bind("created", link.createdAt().toEpochMilli())
                .bind("expires", link.expiresAt().toEpochMilli())
                .execute();
            outbox.insert(h, alert.get(), now);
          }
          return inserted == 1;
        });
  }

  @Override
  public boolean hasKnownDevices(UserId user) {
    return jdbi.withHandle(
            h ->
                h.createQuery("SELECT COUNT(*) FROM known_devices WHERE user_id = :user")
                    .bind("user", user.value())
                    .mapTo(Long.class)
                    .one())
        > 0;
  }

  private static String purpose(Purpose purpose) {
    return purpose.name().toLowerCase(java.util.Locale.ROOT);
  }
}
