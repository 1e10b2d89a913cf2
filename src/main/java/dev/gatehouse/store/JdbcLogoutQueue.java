package dev.gatehouse.store;

import dev.gatehouse.oidc.LogoutQueue;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Back-channel logout notices in SQL. Thread-safe. */
public final class JdbcLogoutQueue implements LogoutQueue {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcLogoutQueue(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void add(List<Notice> notices, Instant now) {
    if (notices.isEmpty()) {
      return;
    }
    jdbi.useTransaction(
        h -> {
          for (Notice notice : notices) {
            h.createUpdate(
                    "INSERT INTO logout_deliveries (id, client_id, user_id, session_id, created_at,"
                        + " next_attempt_at, attempts) VALUES (:id, :client, :user, :session,"
                        + " :created, :next, 0)")
                .bind("id", notice.id())
                .bind("client", notice.clientId())
                .bind("user", notice.userId())
                .bind("session", notice.sessionId())
                .bind("created", notice.createdAt().toEpochMilli())
                .bind("next", now.toEpochMilli())
                .execute();
          }
        });
  }

  @Override
  public List<Notice> due(Instant now, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, client_id, user_id, session_id, created_at, attempts FROM"
                        + " logout_deliveries WHERE next_attempt_at <= :now ORDER BY"
                        + " next_attempt_at LIMIT :limit")
                .bind("now", now.toEpochMilli())
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new Notice(
                            rs.getString("id"),
                            rs.getString("client_id"),
                            rs.getString("user_id"),
                            rs.getString("session_id"),
                            Instant.ofEpochMilli(rs.getLong("created_at")),
                            rs.getInt("attempts")))
                .list());
  }

  @Override
  public boolean claim(String id, Instant now, Instant leaseUntil) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE logout_deliveries SET next_attempt_at = :lease WHERE id = :id AND"
                            + " next_attempt_at <= :now")
                    .bind("id", id)
                    .bind("now", now.toEpochMilli())
                    .bind("lease", leaseUntil.toEpochMilli())
                    .execute())
        == 1;
  }

  @Override
  public void remove(String id) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM logout_deliveries WHERE id = :id")
                .bind("id", id)
                .execute());
  }

  @Override
  public void retryAt(String id, Instant next) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE logout_deliveries SET next_attempt_at = :next, attempts = attempts + 1"
                        + " WHERE id = :id")
                .bind("id", id)
                .bind("next", next.toEpochMilli())
                .execute());
  }
}
