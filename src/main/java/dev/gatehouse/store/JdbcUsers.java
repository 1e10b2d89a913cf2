package dev.gatehouse.store;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.identity.UserRepository;
import dev.gatehouse.kernel.UserId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Users and their password hashes in SQL. Thread-safe. */
public final class JdbcUsers implements UserRepository, CredentialRepository {
  private static final String COLUMNS =
      "id, username, email, email_verified, display_name, disabled, admin, created_at, last_sign_in_at";

  private final Jdbi jdbi;
  private final Dialect dialect;

  /** Repository over {@code database}. */
  public JdbcUsers(Database database) {
    this.dialect = database.dialect();
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(User user) {
    jdbi.useHandle(h -> insert(h, user));
  }

  /**
   * Inserts {@code user} inside {@code h}; {@link DirectoryException.DuplicateException} on a taken
   * username or email.
   */
  static void insert(Handle h, User user) {
    try {
      h.createUpdate(
              "INSERT INTO users ("
                  + COLUMNS
                  + ") VALUES (:id, :username, :email, :emailVerified,"
                  + " :displayName, :disabled, :admin, :createdAt, NULL)")
          .bind("id", user.id().value())
          .bind("username", user.username())
          .bind("email", user.email().orElse(null))
          .bind("emailVerified", user.emailVerified())
          .bind("displayName", user.displayName())
          .bind("disabled", user.disabled())
          .bind("admin", user.admin())
          .bind("createdAt", user.createdAt().toEpochMilli())
          .execute();
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        throw new DirectoryException.DuplicateException(
            StoreException.names(e, "users_email_key", "users.email")
                ? "a user with this email"
                : "a user with this username");
      }
      throw e;
    }
  }

  @Override
  public Optional<User> findById(UserId id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .bind("id", id.value())
                .map(JdbcUsers::user)
                .findOne());
  }

  @Override
  public Optional<User> findByUsername(String username) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM users WHERE username = :username")
                .bind("username", username)
                .map(JdbcUsers::user)
                .findOne());
  }

  @Override
  public Optional<User> findByEmail(String email) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM users WHERE email = :email")
                .bind("email", email)
                .map(JdbcUsers::user)
                .findOne());
  }

  @Override
  public List<User> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT " + COLUMNS + " FROM users ORDER BY username")
                .map(JdbcUsers::user)
                .list());
  }

  @Override
  public List<User> page(String query, String after, int limit) {
    String like =
        "%"
            + query
                .toLowerCase(java.util.Locale.ROOT)
                .replace("!", "!!")
                .replace("%", "!%")
                .replace("_", "!_")
            + "%";
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM users WHERE username > :after AND (:all OR"
                        + " LOWER(username) LIKE :like ESCAPE '!'"
                        + " OR LOWER(COALESCE(email, '')) LIKE :like ESCAPE '!'"
                        + " OR LOWER(display_name) LIKE :like ESCAPE '!')"
                        + " ORDER BY username LIMIT :limit")
                .bind("after", after)
                .bind("all", query.isEmpty())
                .bind("like", like)
                .bind("limit", limit)
                .map(JdbcUsers::user)
                .list());
  }

  /** Serialises the last-administrator guard within this process (SQLite has one writer anyway). */
  private static final java.util.concurrent.locks.ReentrantLock ADMINS =
      new java.util.concurrent.locks.ReentrantLock();

  /** The PostgreSQL advisory lock that serialises it across nodes ("GHadmin" as a number). */
  private static final long ADMIN_LOCK = 0x474861646d696eL;

  @Override
  public boolean whileKeepingAnAdmin(UserId leaving, Runnable change) {
    ADMINS.lock();
    try {
      if (dialect == Dialect.POSTGRES) {
        return jdbi.inTransaction(
            h -> {
              h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:lock)) AS locked")
                  .bind("lock", ADMIN_LOCK)
                  .mapTo(Integer.class)
                  .one();
              if (!adminRemains(h, leaving)) {
                return false;
              }
              change.run();
              return true;
            });
      }
      if (!jdbi.withHandle(h -> adminRemains(h, leaving))) {
        return false;
      }
      change.run();
      return true;
    } finally {
      ADMINS.unlock();
    }
  }

  private static boolean adminRemains(org.jdbi.v3.core.Handle h, UserId leaving) {
    return h.createQuery(
            "SELECT (NOT EXISTS (SELECT 1 FROM users WHERE id = :id AND admin = TRUE"
                + " AND disabled = FALSE)) OR EXISTS (SELECT 1 FROM users WHERE id <> :id"
                + " AND admin = TRUE AND disabled = FALSE)")
        .bind("id", leaving.value())
        .mapTo(Boolean.class)
        .one();
  }

  @Override
  public boolean setDisplayName(UserId id, String displayName) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("UPDATE users SET display_name = :name WHERE id = :id")
                    .bind("id", id.value())
                    .bind("name", displayName)
                    .execute())
        > 0;
  }

  @Override
  public boolean setEmail(UserId id, Optional<String> email) {
    try {
      return jdbi.withHandle(
              h ->
                  h.createUpdate(
                          "UPDATE users SET email = :email, email_verified = FALSE WHERE id = :id")
                      .bind("id", id.value())
                      .bind("email", email.orElse(null))
                      .execute())
          > 0;
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        throw new DirectoryException.DuplicateException("a user with this email");
      }
      throw e;
    }
  }

  @Override
  public boolean setDisabled(UserId id, boolean disabled) {
    return update("UPDATE users SET disabled = :value WHERE id = :id", id, disabled);
  }

  @Override
  public boolean setAdmin(UserId id, boolean admin) {
    return update("UPDATE users SET admin = :value WHERE id = :id", id, admin);
  }

  private boolean update(String sql, UserId id, boolean value) {
    return jdbi.withHandle(
            h -> h.createUpdate(sql).bind("id", id.value()).bind("value", value).execute())
        > 0;
  }

  @Override
  public boolean delete(UserId id) {
    return jdbi.withHandle(
            h ->
                h.createUpdate("DELETE FROM users WHERE id = :id").bind("id", id.value()).execute())
        > 0;
  }

  @Override
  public void markEmailVerified(UserId id, String email) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE users SET email_verified = TRUE WHERE id = :id AND email = :email")
                .bind("id", id.value())
                .bind("email", email)
                .execute());
  }

  @Override
  public void recordSignIn(UserId id, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE users SET last_sign_in_at = :at WHERE id = :id")
                .bind("id", id.value())
                .bind("at", at.toEpochMilli())
                .execute());
  }

  @Override
  public boolean anyActiveAdmin() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COUNT(*) FROM users WHERE admin = TRUE AND disabled = FALSE")
                    .mapTo(Long.class)
                    .one()
                > 0);
  }

  @Override
  public Optional<String> passwordHash(UserId user) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT hash FROM password_credentials WHERE user_id = :id")
                .bind("id", user.value())
                .mapTo(String.class)
                .findOne());
  }

  @Override
  public void setPasswordHash(UserId user, String hash, Instant at) {
    jdbi.useHandle(h -> setPasswordHash(h, user, hash, at));
  }

  /** Sets a password hash inside {@code h}. */
  static void setPasswordHash(Handle h, UserId user, String hash, Instant at) {
    h.createUpdate(
            "INSERT INTO password_credentials (user_id, hash, updated_at) VALUES (:id, :hash, :at)"
                + " ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash,"
                + " updated_at = excluded.updated_at")
        .bind("id", user.value())
        .bind("hash", hash)
        .bind("at", at.toEpochMilli())
        .execute();
  }

  private static User user(ResultSet rs, StatementContext ctx) throws SQLException {
    long lastSignIn = rs.getLong("last_sign_in_at");
    Optional<Instant> last =
        rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(lastSignIn));
    return new User(
        new UserId(rs.getString("id")),
        rs.getString("username"),
        Optional.ofNullable(rs.getString("email")),
        rs.getBoolean("email_verified"),
        rs.getString("display_name"),
        rs.getBoolean("disabled"),
        rs.getBoolean("admin"),
        Instant.ofEpochMilli(rs.getLong("created_at")),
        last);
  }
}
