package dev.gatehouse.store;

import java.sql.SQLException;

/** A database failure that is not a domain outcome (connection lost, disk full …). */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Wraps a failure. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether {@code error} is a failure of the database (unreachable, broken), not of the caller.
   */
  public static boolean isStoreFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.jdbi.v3.core.JdbiException
          || t instanceof SQLException
          || t instanceof StoreException) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code error} (or a cause) is a unique-constraint violation, in either dialect. */
  static boolean isUniqueViolation(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        if ("23505".equals(sql.getSQLState())) {
          return true; // PostgreSQL unique_violation
        }
        String message = String.valueOf(sql.getMessage());
        if (sql.getErrorCode() == 19
            && (message.contains("UNIQUE constraint failed")
                || message.contains("PRIMARYKEY")
                || message.contains("PRIMARY KEY"))) {
          return true; // SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY
        }
      }
    }
    return false;
  }

  /**
   * Whether the database's own error names the constraint ({@code users_email_key}, PostgreSQL) or
   * the column ({@code users.email}, SQLite). Only driver messages are read, never the SQL text.
   */
  static boolean names(Throwable error, String constraint, String column) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        String message = String.valueOf(t.getMessage());
        if (message.contains(constraint) || message.contains(column)) {
          return true;
        }
      }
    }
    return false;
  }
}
