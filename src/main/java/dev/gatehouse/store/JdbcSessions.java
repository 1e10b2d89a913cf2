package dev.gatehouse.store;

import dev.gatehouse.kernel.UserId;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionRepository;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Sessions in SQL. Activity ({@link #touch}, {@link #touchSignIn}) is written in batches off the
 * request path by an {@link ActivityWriter}; look-ups here see it at once. {@link #close} writes
 * what is left. Thread-safe.
 */
public final class JdbcSessions implements SessionRepository, AutoCloseable {
  private static final String COLUMNS =
      "s.id, s.token_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.amr,"
          + " s.user_agent, s.client_address, s.idp, s.idp_amr, s.idp_acr, s.parent_id, s.domain";

  /** Activity keys: a token hash, or a public id of a sign-in (touched by its sessions). */
  private static final String BY_HASH = "h:";

  private static final String BY_ID = "i:";

  private static final String ACTIVE_BY_HASH = activeWhere("s.token_hash = ?");
  private static final String ACTIVE_BY_ID = activeWhere("s.id = ?");

  private final Jdbi jdbi;
  private final javax.sql.DataSource dataSource;
  private final Dialect dialect;
  private final ActivityWriter activity;

  /** Repository over {@code database}. */
  public JdbcSessions(Database database) {
    this.jdbi = database.jdbi();
    this.dataSource = database.dataSource();
    this.dialect = database.dialect();
    this.activity = new ActivityWriter("gatehouse-session-activity", this::writeActivity);
  }

  /**
   * Stores noted activity in one transaction; time never moves back. Plain JDBC: a flush can carry
   * thousands of keys, and Jdbi's per-row bindings outlived young collections.
   */
  private void writeActivity(java.util.Map<String, Long> batch) {
    List<String> hashes = new java.util.ArrayList<>();
    List<String> ids = new java.util.ArrayList<>();
    for (String key : batch.keySet()) {
      (key.startsWith(BY_HASH) ? hashes : ids).add(key);
    }
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        writeActivity(connection, "token_hash", hashes, batch);
        writeActivity(connection, "id", ids, batch);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        connection.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new StoreException("could not record session activity", e);
    }
  }

  /**
   * Sets {@code last_seen_at} of the sessions whose {@code column} is one of {@code keys} (without
   * their prefix). PostgreSQL takes them all in one statement over two arrays, since a batch of
   * single-row updates costs its server an executor run per row; SQLite, in-process, takes a batch.
   */
  private void writeActivity(
      Connection connection, String column, List<String> keys, java.util.Map<String, Long> seen)
      throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    int prefix = BY_HASH.length(); // BY_ID's too
    if (dialect == Dialect.POSTGRES) {
      String[] values = new String[keys.size()];
      Long[] times = new Long[keys.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = keys.get(i).substring(prefix);
        times[i] = seen.get(keys.get(i));
      }
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE sessions s SET last_seen_at = a.seen FROM unnest(?, ?) AS a(k, seen)"
                  + " WHERE s."
                  + column
                  + " = a.k AND s.last_seen_at < a.seen")) {
        update.setArray(1, connection.createArrayOf("text", values));
        update.setArray(2, connection.createArrayOf("bigint", times));
        update.executeUpdate();
      }
      return;
    }
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE sessions SET last_seen_at = ? WHERE " + column + " = ? AND last_seen_at < ?")) {
      for (String key : keys) {
        long at = seen.get(key);
        update.setLong(1, at);
        update.setString(2, key.substring(prefix));
        update.setLong(3, at);
        update.addBatch();
      }
      update.executeBatch();
    }
  }

  /** A session as stored, with the activity noted here and not yet written. */
  private Optional<Session> withNotedActivity(Optional<Session> found) {
    if (found.isEmpty()) {
      return found;
    }
    Session session = found.get();
    long noted =
        Math.max(
            activity.pending(BY_HASH + session.tokenHash()).orElse(Long.MIN_VALUE),
            activity.pending(BY_ID + session.id()).orElse(Long.MIN_VALUE));
    return noted > session.lastSeenAt().toEpochMilli()
        ? Optional.of(session.touchedAt(Instant.ofEpochMilli(noted)))
        : found;
  }

  /** Writes the activity noted so far now (tests; {@link #close} does it too). */
  void flushActivity() {
    activity.flush();
  }

  /** Writes the activity noted so far and stops the writer. */
  @Override
  public void close() {
    activity.close();
  }

  @Override
  public void insert(Session session) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at,"
                        + " expires_at, amr, user_agent, client_address, idp, idp_amr, idp_acr,"
                        + " parent_id, domain) VALUES (:id, :hash, :user, :created, :seen, :expires,"
                        + " :amr, :agent, :address, :idp, :idpAmr, :idpAcr, :parent, :domain)")
                .bind("id", session.id())
                .bind("hash", session.tokenHash())
                .bind("user", session.userId().value())
                .bind("created", session.createdAt().toEpochMilli())
                .bind("seen", session.lastSeenAt().toEpochMilli())
                .bind("expires", session.expiresAt().toEpochMilli())
                .bind("amr", String.join(" ", session.amr().stream().sorted().toList()))
                .bind("agent", session.userAgent())
                .bind("address", session.clientAddress())
                .bind("idp", session.idp())
                .bind("idpAmr", String.join(" ", session.idpAmr().stream().sorted().toList()))
                .bind("idpAcr", session.idpAcr())
                .bind("parent", session.parentId())
                .bind("domain", session.domain())
                .execute());
  }

  @Override
  public Optional<Session> findActiveById(String id) {
    return withNotedActivity(findOneActive(ACTIVE_BY_ID, id));
  }

  /**
   * The unrevoked session where {@code condition} holds for the key, of an enabled user, whose
   * sign-in (for a session on a further domain, its parent) is unrevoked too.
   */
  private static String activeWhere(String condition) {
    return "SELECT "
        + COLUMNS
        + " FROM sessions s JOIN users u ON u.id = s.user_id"
        + " LEFT JOIN sessions p ON p.id = s.parent_id AND s.parent_id <> ''"
        + " WHERE "
        + condition
        + " AND s.revoked_at IS NULL AND u.disabled = FALSE"
        + " AND (s.parent_id = '' OR (p.id IS NOT NULL AND p.revoked_at IS NULL))";
  }

  /**
   * The one session {@code sql} finds for {@code key}. Plain JDBC rather than Jdbi: this is the
   * look-up of every verify that misses the cache, and Jdbi's handle, statement context, binding
   * map and column-name index were most of what such a request allocated (bench/RESULTS.md).
   */
  private Optional<Session> findOneActive(String sql, String key) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, key);
      try (ResultSet rs = statement.executeQuery()) {
        return rs.next() ? Optional.of(session(rs)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("session look-up failed", e);
    }
  }

  @Override
  public Optional<Session> findActive(String tokenHash) {
    return withNotedActivity(findOneActive(ACTIVE_BY_HASH, tokenHash));
  }

  @Override
  public void touch(String tokenHash, Instant lastSeenAt) {
    activity.note(BY_HASH + tokenHash, lastSeenAt.toEpochMilli());
  }

  @Override
  public void touchSignIn(String id, Instant lastSeenAt) {
    activity.note(BY_ID + id, lastSeenAt.toEpochMilli());
  }

  @Override
  public int revoke(String idOrPrefix, Instant at) {
    if (!idOrPrefix.matches("[0-9a-f]{8,16}")) {
      return 0;
    }
    return jdbi.inTransaction(
        h -> {
          List<String> matches =
              h.createQuery(
                      "SELECT id FROM sessions WHERE id LIKE :prefix AND revoked_at IS NULL"
                          + " AND parent_id = ''")
                  .bind("prefix", idOrPrefix + "%")
                  .mapTo(String.class)
                  .list();
          if (matches.size() != 1) {
            return matches.size() > 1 ? -matches.size() : 0; // Ambiguous prefix: revoke nothing.
          }
          int count =
              h.createUpdate("UPDATE sessions SET revoked_at = :at WHERE id = :id")
                  .bind("id", matches.get(0))
                  .bind("at", at.toEpochMilli())
                  .execute();
          revokeChildren(h, matches.get(0), at);
          return count;
        });
  }

  @Override
  public List<String> revokeByTokenHash(String tokenHash, Instant at) {
    return jdbi.inTransaction(
        h -> {
          Optional<String[]> found =
              h.createQuery(
                      "SELECT id, parent_id FROM sessions WHERE token_hash = :hash"
                          + " AND revoked_at IS NULL")
                  .bind("hash", tokenHash)
                  .map((rs, ctx) -> new String[] {rs.getString("id"), rs.getString("parent_id")})
                  .findOne();
          if (found.isEmpty()) {
            return List.of();
          }
          String root = found.get()[1].isEmpty() ? found.get()[0] : found.get()[1];
          List<String> family =
              h.createQuery(
                      "SELECT token_hash FROM sessions WHERE (id = :root OR parent_id = :root)"
                          + " AND revoked_at IS NULL")
                  .bind("root", root)
                  .mapTo(String.class)
                  .list();
          h.createUpdate(
                  "UPDATE sessions SET revoked_at = :at WHERE (id = :root OR parent_id = :root)"
                      + " AND revoked_at IS NULL")
              .bind("root", root)
              .bind("at", at.toEpochMilli())
              .execute();
          return List.copyOf(family);
        });
  }

  private static void revokeChildren(org.jdbi.v3.core.Handle h, String root, Instant at) {
    h.createUpdate(
            "UPDATE sessions SET revoked_at = :at WHERE parent_id = :root AND revoked_at IS NULL")
        .bind("root", root)
        .bind("at", at.toEpochMilli())
        .execute();
  }

  @Override
  public int revokeAllForUser(UserId user, Instant at) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "UPDATE sessions SET revoked_at = :at WHERE user_id = :user AND revoked_at IS NULL")
                .bind("user", user.value())
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public List<Session> listActive(Optional<UserId> user, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM sessions s WHERE s.revoked_at IS NULL AND s.parent_id = ''"
                        + " AND s.expires_at > :now"
                        + (user.isPresent() ? " AND s.user_id = :user" : "")
                        + " ORDER BY s.created_at DESC")
                .bind("now", now.toEpochMilli())
                .bindMap(
                    user.map(u -> java.util.Map.of("user", u.value())).orElse(java.util.Map.of()))
                .map((rs, ctx) -> session(rs))
                .list());
  }

  @Override
  public List<Session> listActiveThroughProviders(Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM sessions s WHERE s.revoked_at IS NULL AND s.expires_at > :now"
                        + " AND s.idp <> '' AND s.parent_id = ''")
                .bind("now", now.toEpochMilli())
                .map((rs, ctx) -> session(rs))
                .list());
  }

  @Override
  public long countActive(Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > :now"
                        + " AND parent_id = ''")
                .bind("now", now.toEpochMilli())
                .mapTo(Long.class)
                .one());
  }

  @Override
  public int purge(Instant before) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "DELETE FROM sessions WHERE expires_at < :before OR revoked_at < :before")
                .bind("before", before.toEpochMilli())
                .execute());
  }

  /** A session from a row of {@link #COLUMNS}, read by position. */
  private static Session session(ResultSet rs) throws SQLException {
    return new Session(
        rs.getString(1),
        rs.getString(2),
        new UserId(rs.getString(3)),
        Instant.ofEpochMilli(rs.getLong(4)),
        Instant.ofEpochMilli(rs.getLong(5)),
        Instant.ofEpochMilli(rs.getLong(6)),
        words(rs.getString(7)),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10),
        words(rs.getString(11)),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14));
  }

  private static Set<String> words(String spaced) {
    if (spaced.isEmpty()) {
      return Set.of();
    }
    if (spaced.indexOf(' ') < 0) {
      return Set.of(spaced);
    }
    return Arrays.stream(spaced.split(" ")).collect(Collectors.toUnmodifiableSet());
  }
}
