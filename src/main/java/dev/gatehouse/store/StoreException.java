package dev.gatehouse.store;

import java.sql.SQLException;

/** A database failure that is not a domain outcome (connection lost, disk full …). */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Wraps a failure. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
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
   * Whether the violated constraint's text mentions {@code column} (users.email, users_email_key).
   */
  static boolean mentions(Throwable error, String column) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains(column)) {
        return true;
      }
    }
    return false;
  }
}
