package dev.gatehouse.store;

import dev.gatehouse.signin.ThrottleStore;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;

/**
 * Throttle counters in SQL, serialised per key: one upsert creates the row if missing and locks it
 * (PostgreSQL's row lock; SQLite's {@code BEGIN IMMEDIATE} serialises all writers), and it is read
 * and rewritten in the same transaction. Shared by every node using the database. Thread-safe.
 */
public final class JdbcThrottle implements ThrottleStore {
  private final Jdbi jdbi;

  /** Store over {@code database}. */
  public JdbcThrottle(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public <T> T apply(String key, Function<Optional<Counter>, Step<T>> step) {
    return jdbi.inTransaction(
        h -> {
          // One statement creates the row if missing and locks it (an upsert takes the row lock on
          // PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers). A separate INSERT and
          // SELECT … FOR UPDATE let a parallel reset delete the row in between.
          Counter current =
              h.createQuery(
                      "INSERT INTO throttle_counters (key, failures, last_attempt_at, blocked_until)"
                          + " VALUES (:key, 0, 0, 0) ON CONFLICT (key) DO UPDATE SET key ="
                          + " excluded.key RETURNING failures, last_attempt_at, blocked_until")
                  .bind("key", key)
                  .map(
                      (rs, ctx) ->
                          new Counter(
                              rs.getInt("failures"),
                              Instant.ofEpochMilli(rs.getLong("last_attempt_at")),
                              Instant.ofEpochMilli(rs.getLong("blocked_until"))))
                  .one();
          Optional<Counter> existing =
              current.failures() == 0 && current.lastAttemptAt().equals(Instant.EPOCH)
                  ? Optional.empty()
                  : Optional.of(current);
          Step<T> result = step.apply(existing);
          if (result.next().isPresent()) {
            Counter next = result.next().get();
            h.createUpdate(
                    "UPDATE throttle_counters SET failures = :failures, last_attempt_at = :last,"
                        + " blocked_until = :blocked WHERE key = :key")
                .bind("key", key)
                .bind("failures", next.failures())
                .bind("last", next.lastAttemptAt().toEpochMilli())
                .bind("blocked", next.blockedUntil().toEpochMilli())
                .execute();
          } else {
            h.createUpdate("DELETE FROM throttle_counters WHERE key = :key")
                .bind("key", key)
                .execute();
          }
          return result.result();
        });
  }

  @Override
  public void delete(String key) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM throttle_counters WHERE key = :key")
                .bind("key", key)
                .execute());
  }

  @Override
  public int purge(Instant before) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "DELETE FROM throttle_counters WHERE blocked_until < :before"
                        + " AND last_attempt_at < :before")
                .bind("before", before.toEpochMilli())
                .execute());
  }
}
