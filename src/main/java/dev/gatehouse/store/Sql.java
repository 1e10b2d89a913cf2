package dev.gatehouse.store;

import dev.gatehouse.identity.DirectoryException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Small statement helpers shared by the repositories. */
final class Sql {
  private Sql() {}

  static void insertNamed(Jdbi jdbi, String table, String kind, String name, Instant createdAt) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate("INSERT INTO " + table + " (name, created_at) VALUES (:name, :at)")
                  .bind("name", name)
                  .bind("at", createdAt.toEpochMilli())
                  .execute());
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        throw new DirectoryException.DuplicateException(kind + " " + name);
      }
      throw e;
    }
  }

  /**
   * Inside a transaction, adds {@code to} to a table of names with the created time of {@code
   * from}; false when {@code from} does not exist, {@link DirectoryException.DuplicateException}
   * when {@code to} does. The caller moves what refers to {@code from}, then deletes it.
   */
  static boolean copyNamed(
      org.jdbi.v3.core.Handle h, String table, String kind, String from, String to) {
    try {
      return h.createUpdate(
                  "INSERT INTO "
                      + table
                      + " (name, created_at) SELECT :to, created_at FROM "
                      + table
                      + " WHERE name = :from")
              .bind("from", from)
              .bind("to", to)
              .execute()
          == 1;
    } catch (UnableToExecuteStatementException e) {
      if (StoreException.isUniqueViolation(e)) {
        throw new DirectoryException.DuplicateException(kind + " " + to);
      }
      throw e;
    }
  }

  static List<String> strings(Jdbi jdbi, String sql, Map<String, String> params) {
    return jdbi.withHandle(h -> h.createQuery(sql).bindMap(params).mapTo(String.class).list());
  }

  static boolean change(Jdbi jdbi, String sql, Map<String, String> params) {
    return jdbi.withHandle(h -> h.createUpdate(sql).bindMap(params).execute()) > 0;
  }
}
