package dev.gatehouse.store;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The audit trail in SQL. Thread-safe. */
public final class JdbcAudit implements AuditLog.Store {
  private final Jdbi jdbi;

  /** Store over {@code database}. */
  public JdbcAudit(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void append(AuditEvent event) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO audit_events (id, at, kind, user_id, username, client_address, detail)"
                        + " VALUES (:id, :at, :kind, :user, :username, :address, :detail)")
                .bind("id", event.id())
                .bind("at", event.at().toEpochMilli())
                .bind("kind", event.kind())
                .bind("user", event.user().map(UserId::value).orElse(null))
                .bind("username", event.username())
                .bind("address", event.clientAddress())
                .bind("detail", event.detail())
                .execute());
  }

  @Override
  public List<AuditEvent> list(Optional<UserId> user, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, at, kind, user_id, username, client_address, detail FROM audit_events"
                        + (user.isPresent() ? " WHERE user_id = :user" : "")
                        + " ORDER BY at DESC, id LIMIT :limit")
                .bindMap(user.map(u -> Map.of("user", u.value())).orElse(Map.of()))
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new AuditEvent(
                            rs.getString("id"),
                            Instant.ofEpochMilli(rs.getLong("at")),
                            rs.getString("kind"),
                            Optional.ofNullable(rs.getString("user_id")).map(UserId::new),
                            rs.getString("username"),
                            rs.getString("client_address"),
                            rs.getString("detail")))
                .list());
  }
}
