package dev.gatehouse.store;

import dev.gatehouse.keys.AtRestCipher;
import dev.gatehouse.mail.Message;
import dev.gatehouse.mail.OutboxRepository;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail outbox in SQL. {@link #insert} is for other stores, inside their own transactions.
 *
 * <p>At rest: message bodies carry sign-in, reset, invitation and "this wasn't me" links, so they
 * are stored sealed with the at-rest key (AES-GCM, the row id and part as associated data) and
 * dropped once the message is sent or expired; only the metadata stays for {@code gatehouse mail
 * queue}. A copy of the database alone holds no usable link (SECURITY.md §8). Thread-safe.
 */
public final class JdbcOutbox implements OutboxRepository {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcOutbox.class);

  private final Jdbi jdbi;
  private final AtRestCipher cipher;

  /** Repository over {@code database}, sealing bodies with {@code cipher}. */
  public JdbcOutbox(Database database, AtRestCipher cipher) {
    this.jdbi = database.jdbi();
    this.cipher = cipher;
  }

  /** Inserts a pending message, its bodies sealed, using the caller's transaction. */
  void insert(Handle handle, Message.Queued queued, Instant now) {
    handle
        .createUpdate(
            "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, attempts,"
                + " created_at, next_attempt_at, expires_at, sealed) VALUES (:id, :to, :subject, :text,"
                + " :html, 'pending', 0, :now, :now, :expires, 1)")
        .bind("id", queued.id())
        .bind("to", queued.message().to())
        .bind("subject", queued.message().subject())
        .bind("text", seal(queued.id(), "text", queued.message().text()))
        .bind("html", seal(queued.id(), "html", queued.message().html()))
        .bind("now", now.toEpochMilli())
        .bind("expires", queued.expiresAt().map(Instant::toEpochMilli).orElse(null))
        .execute();
  }

  private String seal(String id, String part, String body) {
    return cipher.encrypt(body.getBytes(StandardCharsets.UTF_8), purpose(id, part));
  }

  private Optional<String> unseal(String id, String part, String sealed) {
    return cipher
        .decrypt(sealed, purpose(id, part))
        .map(bytes -> new String(bytes, StandardCharsets.UTF_8));
  }

  private static String purpose(String id, String part) {
    return "mail-outbox|" + id + "|" + part;
  }

  /**
   * Seals the bodies of messages queued in plain text by an older version, before any is read;
   * returns how many.
   */
  public int sealPlainRows() {
    return jdbi.inTransaction(
        h -> {
          List<String[]> plain =
              h.createQuery(
                      "SELECT id, text_body, html_body FROM mail_outbox WHERE sealed = 0"
                          + " AND status IN ('pending', 'dead')")
                  .map(
                      (rs, ctx) ->
                          new String[] {
                            rs.getString("id"), rs.getString("text_body"), rs.getString("html_body")
                          })
                  .list();
          for (String[] row : plain) {
            h.createUpdate(
                    "UPDATE mail_outbox SET text_body = :text, html_body = :html, sealed = 1"
                        + " WHERE id = :id")
                .bind("id", row[0])
                .bind("text", seal(row[0], "text", row[1]))
                .bind("html", seal(row[0], "html", row[2]))
                .execute();
          }
          h.createUpdate(
                  "UPDATE mail_outbox SET text_body = '', html_body = '', sealed = 1"
                      + " WHERE sealed = 0")
              .execute();
          return plain.size();
        });
  }

  @Override
  public void enqueue(Message.Queued message, Instant now) {
    jdbi.useHandle(h -> insert(h, message, now));
  }

  @Override
  public List<Message.Queued> due(Instant now, int limit) {
    List<Message.Queued> due = new java.util.ArrayList<>();
    List<String> unreadable = new java.util.ArrayList<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "SELECT id, recipient, subject, text_body, html_body, expires_at, attempts FROM mail_outbox"
                        + " WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY created_at LIMIT :limit")
                .bind("now", now.toEpochMilli())
                .bind("limit", limit)
                .map(
                    (rs, ctx) -> {
                      String id = rs.getString("id");
                      Optional<String> text = unseal(id, "text", rs.getString("text_body"));
                      Optional<String> html = unseal(id, "html", rs.getString("html_body"));
                      if (text.isEmpty() || html.isEmpty()) {
                        unreadable.add(id);
                        return Optional.<Message.Queued>empty();
                      }
                      return Optional.of(
                          new Message.Queued(
                              id,
                              new Message(
                                  rs.getString("recipient"),
                                  rs.getString("subject"),
                                  text.get(),
                                  html.get()),
                              optionalInstant(rs, "expires_at"),
                              rs.getInt("attempts")));
                    })
                .forEach(row -> row.ifPresent(due::add)));
    for (String id : unreadable) {
      // Sealed under another key (a restore without at-rest.key?): it can never be sent.
      LOG.error("mail {} cannot be unsealed with this at-rest key; marked dead", id);
      markFailed(id, now, "cannot be unsealed with this at-rest key", true);
    }
    return due;
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
                    "UPDATE mail_outbox SET status = 'sent', sent_at = :at, attempts = attempts + 1,"
                        + " text_body = '', html_body = '' WHERE id = :id")
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
            h.createUpdate(
                    "UPDATE mail_outbox SET status = 'expired', text_body = '', html_body = ''"
                        + " WHERE id = :id")
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
