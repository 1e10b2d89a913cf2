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
                    "INSERT INTO audit_events (id, at, kind, user_id, username, client_address,"
                        + " detail, actor) VALUES (:id, :at, :kind, :user, :username, :address,"
                        + " :detail, :actor)")
                .bind("id", event.id())
                .bind("at", event.at().toEpochMilli())
                .bind("kind", event.kind())
                .bind("user", event.user().map(UserId::value).orElse(null))
                .bind("username", event.username())
                .bind("address", event.clientAddress())
                .bind("detail", event.detail())
                .bind("actor", event.actor())
                .execute());
  }

  @Override
  public List<AuditEvent> list(Optional<UserId> user, int limit) {
    return search(new AuditLog.Filter(user, Optional.empty(), Optional.empty()), limit);
  }

  @Override
  public List<AuditEvent> search(AuditLog.Filter filter, int limit) {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    Map<String, Object> bind = new java.util.HashMap<>();
    filter
        .user()
        .ifPresent(
            u -> {
              where.append(" AND user_id = :user");
              bind.put("user", u.value());
            });
    filter
        .kind()
        .ifPresent(
            k -> {
              where.append(" AND (kind = :kind OR kind LIKE :kindPrefix ESCAPE '!')");
              bind.put("kind", k);
              bind.put(
                  "kindPrefix", k.replace("!", "!!").replace("%", "!%").replace("_", "!_") + ".%");
            });
    filter
        .before()
        .ifPresent(
            e -> {
              where.append(" AND (at < :at OR (at = :at AND id > :id))");
              bind.put("at", e.at().toEpochMilli());
              bind.put("id", e.id());
            });
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id, at, kind, user_id, username, client_address, detail, actor"
                        + " FROM audit_events"
                        + where
                        + " ORDER BY at DESC, id LIMIT :limit")
                .bindMap(bind)
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
                            rs.getString("detail"),
                            rs.getString("actor")))
                .list());
  }
}
