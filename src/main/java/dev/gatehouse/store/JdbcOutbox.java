package dev.gatehouse.store;

import dev.gatehouse.mail.Message;
import dev.gatehouse.mail.OutboxRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The mail outbox in SQL. {@link #insert} is for other stores, inside their own transactions. */
public final class JdbcOutbox implements OutboxRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcOutbox(Database database) {
    this.jdbi = database.jdbi();
  }

  /** Inserts a pending message using the caller's transaction. */
  static void insert(Handle handle, Message.Queued queued, Instant now) {
    handle
        .createUpdate(
            "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, attempts,"
                + " created_at, next_attempt_at, expires_at) VALUES (:id, :to, :subject, :text, :html,"
                + " 'pending', 0, :now, :now, :expires)")
        .bind("id", queued.id())
        .bind("to", queued.message().to())
        .bind("subject", queued.message().subject())
        .bind("text", queued.message().text())
        .bind("html", queued.message().html())
        .bind("now", now.toEpochMilli())
        .bind("expires", queued.expiresAt().map(Instant::toEpochMilli).orElse(null))
        .execute();
  }

  @Override
  public void enqueue(Message.Queued message, Instant now) {
    jdbi.useHandle(h -> insert(h, message, now));
  }

  @Override
  public List<Message.Queued> due(Instant now, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, recipient, subject, text_body, html_body, expires_at, attempts FROM mail_outbox"
                        + " WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY created_at LIMIT :limit")
                .bind("now", now.toEpochMilli())
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Message.Queued(
                            rs.getString("id"),
                            new Message(
                                rs.getString("recipient"),
                                rs.getString("subject"),
                                rs.getString("text_body"),
                                rs.getString("html_body")),
                            optionalInstant(rs, "expires_at"),
                            rs.getInt("attempts")))
                .list());
  }

  @Override
  public boolean claim(String id, Instant now, Instant leaseUntil) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE mail_outbox SET next_attempt_at = :lease WHERE id = :id AND status = 'pending'"
                            + " AND next_attempt_at <= :now")
                    .bind("id", id)
                    .bind("now", now.toEpochMilli())
                    .bind("lease", leaseUntil.toEpochMilli())
                    .execute())
        == 1;
  }

  @Override
  public void markSent(String id, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE mail_outbox SET status = 'sent', sent_at = :at, attempts = attempts + 1 WHERE id = :id")
                .bind("id", id)
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public void markFailed(String id, Instant nextAttemptAt, String error, boolean dead) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE mail_outbox SET status = :status, attempts = attempts + 1, next_attempt_at = :next,"
                        + " last_error = :error WHERE id = :id")
                .bind("id", id)
                .bind("status", dead ? "dead" : "pending")
                .bind("next", nextAttemptAt.toEpochMilli())
                .bind("error", error.length() > 500 ? error.substring(0, 500) : error)
                .execute());
  }

  @Override
  public void markExpired(String id) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE mail_outbox SET status = 'expired' WHERE id = :id")
                .bind("id", id)
                .execute());
  }

  @Override
  public List<Row> list(int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, recipient, subject, status, attempts, created_at, next_attempt_at, expires_at,"
                        + " last_error FROM mail_outbox ORDER BY created_at DESC LIMIT :limit")
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Row(
                            rs.getString("id"),
                            rs.getString("recipient"),
                            rs.getString("subject"),
                            rs.getString("status"),
                            rs.getInt("attempts"),
                            Instant.ofEpochMilli(rs.getLong("created_at")),
                            Instant.ofEpochMilli(rs.getLong("next_attempt_at")),
                            optionalInstant(rs, "expires_at"),
                            Optional.ofNullable(rs.getString("last_error"))))
                .list());
  }

  @Override
  public int retryDead(Instant now) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = :now"
                        + " WHERE status = 'dead'")
                .bind("now", now.toEpochMilli())
                .execute());
  }

  private static Optional<Instant> optionalInstant(ResultSet rs, String column)
      throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(value));
  }
}
