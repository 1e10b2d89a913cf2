package dev.gatehouse.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The databases every store test runs on: SQLite in a temporary directory, and PostgreSQL at
 * 127.0.0.1:5432 (database {@code test}, trust auth) in a fresh schema per test. When PostgreSQL is
 * unreachable the PostgreSQL variant is skipped with a visible message, unless {@code
 * GATEHOUSE_TEST_POSTGRES=required}, which makes it fail instead (CI sets it).
 */
public final class TestDatabases {
  /** Base JDBC URL of the test PostgreSQL (overridable by {@code GATEHOUSE_TEST_POSTGRES_URL}). */
  public static final String POSTGRES_URL =
      Optional.ofNullable(System.getenv("GATEHOUSE_TEST_POSTGRES_URL"))
          .orElse("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  private static final List<String> SCHEMAS = new ArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(TestDatabases::dropSchemas, "drop-test-schemas"));
  }

  private TestDatabases() {}

  /** The kinds of database a parameterised test runs on. */
  public enum Kind {
    SQLITE,
    POSTGRES;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Both kinds, for {@code @EnumSource} or {@code @MethodSource}. */
  public static List<Kind> kinds() {
    return List.of(Kind.SQLITE, Kind.POSTGRES);
  }

  /**
   * The {@code database.url} for a fresh database of {@code kind}: empty for SQLite (Gatehouse puts
   * it in the data directory), a fresh schema for PostgreSQL.
   */
  public static Optional<String> freshUrl(Kind kind, Path dataDir) {
    if (kind == Kind.SQLITE) {
      return Optional.empty();
    }
    requirePostgres();
    String schema = "gh_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection connection = DriverManager.getConnection(POSTGRES_URL);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test schema", e);
    }
    synchronized (SCHEMAS) {
      SCHEMAS.add(schema);
    }
    return Optional.of(POSTGRES_URL + "&currentSchema=" + schema);
  }

  /** Skips (or, when required, fails) the current test when PostgreSQL cannot be reached. */
  public static void requirePostgres() {
    boolean reachable;
    try (Connection connection = DriverManager.getConnection(POSTGRES_URL)) {
      reachable = connection.isValid(2);
    } catch (SQLException e) {
      reachable = false;
    }
    if (!reachable && "required".equals(System.getenv("GATEHOUSE_TEST_POSTGRES"))) {
      throw new IllegalStateException(
          "PostgreSQL is required (GATEHOUSE_TEST_POSTGRES=required) but "
              + POSTGRES_URL
              + " is unreachable");
    }
    if (!reachable) {
      System.err.println("SKIPPED PostgreSQL variant: " + POSTGRES_URL + " is unreachable");
    }
    assumeTrue(
        reachable, "PostgreSQL at " + POSTGRES_URL + " is unreachable; PostgreSQL variant skipped");
  }

  /** Drops the schemas created by this JVM (best effort). */
  public static void dropSchemas() {
    List<String> toDrop;
    synchronized (SCHEMAS) {
      toDrop = List.copyOf(SCHEMAS);
      SCHEMAS.clear();
    }
    if (toDrop.isEmpty()) {
      return;
    }
    try (Connection connection = DriverManager.getConnection(POSTGRES_URL);
        Statement statement = connection.createStatement()) {
      for (String schema : toDrop) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    } catch (SQLException e) {
      System.err.println("could not drop test schemas: " + e.getMessage());
    }
  }
}
