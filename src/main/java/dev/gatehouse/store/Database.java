package dev.gatehouse.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.kernel.Secret;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The connection pool, schema migrations and Jdbi handle for one database. SQLite runs in WAL mode
 * with {@code synchronous=FULL} (a commit is on disk before we answer), a busy timeout so that the
 * CLI and the server can share the file, foreign keys on, and {@code BEGIN IMMEDIATE} transactions
 * so that writers queue instead of failing. Thread-safe.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /**
   * How long a request waits for a pooled connection, and how long the breaker then answers "down"
   * at once: a missing database is a 503 within about a second, never a 30 s hang.
   */
  static final java.time.Duration FAIL_FAST = java.time.Duration.ofSeconds(1);

  private final HikariDataSource pool;
  private final FailFastDataSource failFast;
  private final Dialect dialect;
  private final Jdbi jdbi;
  private final Optional<Path> sqliteFile;
  private java.util.concurrent.ScheduledExecutorService passwordWatch;

  private Database(HikariDataSource pool, Dialect dialect, Optional<Path> sqliteFile) {
    this.pool = pool;
    this.failFast = new FailFastDataSource(pool, FAIL_FAST, System::nanoTime);
    this.dialect = dialect;
    this.sqliteFile = sqliteFile;
    this.jdbi = Jdbi.create(failFast);
  }

  /** The embedded database's file in a data directory. */
  public static Path sqliteFileIn(Path dataDir) {
    return dataDir.resolve("gatehouse.db");
  }

  /**
   * Whether the store holds values sealed with the at-rest key (signing keys, TOTP seeds, queued
   * mail): then a missing key file must be restored, never replaced by a new one.
   */
  public boolean holdsSealedData() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                        "SELECT (SELECT COUNT(*) FROM signing_keys) + (SELECT COUNT(*) FROM"
                            + " totp_enrollments) + (SELECT COUNT(*) FROM mail_outbox WHERE sealed = 1"
                            + " AND text_body <> '') + (SELECT COUNT(*) FROM upstream_providers)")
                    .mapTo(Long.class)
                    .one()
                > 0);
  }

  /**
   * Opens (and migrates) the database: {@code url} empty means SQLite at {@code
   * <dataDir>/gatehouse.db}.
   */
  public static Database open(
      Optional<String> url, String username, Secret password, int poolSize, Path dataDir) {
    String jdbcUrl = url.orElseGet(() -> "jdbc:sqlite:" + sqliteFileIn(dataDir));
    Database database;
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      Path file = Path.of(jdbcUrl.substring("jdbc:sqlite:".length()));
      prepareSqliteFile(file);
      SQLiteConfig config = new SQLiteConfig();
      config.setJournalMode(SQLiteConfig.JournalMode.WAL);
      config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
      config.setBusyTimeout(15_000);
      config.enforceForeignKeys(true);
      config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
      SQLiteDataSource sqlite = new SQLiteDataSource(config);
      sqlite.setUrl("jdbc:sqlite:" + file);
      HikariConfig hikari = new HikariConfig();
      hikari.setDataSource(sqlite);
      hikari.setMaximumPoolSize(Math.max(2, Math.min(poolSize, 8)));
      hikari.setMinimumIdle(1);
      hikari.setPoolName("gatehouse-sqlite");
      database = new Database(new HikariDataSource(hikari), Dialect.SQLITE, Optional.of(file));
    } else {
      HikariConfig hikari = new HikariConfig();
      hikari.setJdbcUrl(jdbcUrl);
      if (!username.isEmpty()) {
        hikari.setUsername(username);
      }
      if (!password.isEmpty()) {
        hikari.setPassword(password.reveal());
      }
      hikari.setMaximumPoolSize(poolSize);
      hikari.setMinimumIdle(1);
      hikari.setPoolName("gatehouse-postgres");
      hikari.setInitializationFailTimeout(10_000);
      // Fail fast: a connection within a second or an error (Hikari waits 30 s by default), and a
      // dead server is found by the driver within seconds, not by the kernel's TCP timeouts.
      hikari.setConnectionTimeout(FAIL_FAST.toMillis());
      hikari.setValidationTimeout(FAIL_FAST.toMillis() - 250);
      hikari.addDataSourceProperty("connectTimeout", "2");
      hikari.addDataSourceProperty("socketTimeout", "30");
      hikari.addDataSourceProperty("tcpKeepAlive", "true");
      database = new Database(new HikariDataSource(hikari), Dialect.POSTGRES, Optional.empty());
      if (password.file().isPresent()) {
        database.followPassword(password);
      }
    }
    try {
      database.migrate();
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    return database;
  }

  private static void prepareSqliteFile(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null && !Files.exists(parent)) {
        Files.createDirectories(
            parent,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      // Create the file 0600 before SQLite does, so it is never readable by others even briefly.
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      // Already there: keep its permissions.
    } catch (IOException e) {
      throw new StoreException(
          "cannot create the database file " + file + ": " + e.getMessage(), e);
    }
  }

  private void migrate() {
    Flyway flyway =
        Flyway.configure()
            .dataSource(pool)
            .locations(dialect.migrationLocation())
            .loggers("slf4j")
            .load();
    MigrateResult result = flyway.migrate();
    if (result.migrationsExecuted > 0) {
      LOG.info(
          "database schema migrated to version {} ({} migrations)",
          result.targetSchemaVersion,
          result.migrationsExecuted);
    }
  }

  /**
   * Runs {@code work} unless another process sharing this PostgreSQL database holds the advisory
   * lock {@code key} (then answers 0 at once); on SQLite — one node — always runs it.
   */
  public int alone(long key, java.util.function.IntSupplier work) {
    if (dialect != Dialect.POSTGRES) {
      return work.getAsInt();
    }
    return jdbi.withHandle(
        h -> {
          boolean mine =
              h.createQuery("SELECT pg_try_advisory_lock(:key)")
                  .bind("key", key)
                  .mapTo(Boolean.class)
                  .one();
          if (!mine) {
            return 0;
          }
          try {
            return work.getAsInt();
          } finally {
            h.createQuery("SELECT pg_advisory_unlock(:key)")
                .bind("key", key)
                .mapTo(Boolean.class)
                .one();
          }
        });
  }

  /**
   * A connection of its own, outside the pool (for a listener that holds it for good), with the
   * pool's URL and current credentials.
   */
  public java.sql.Connection openDedicated() throws java.sql.SQLException {
    return java.sql.DriverManager.getConnection(
        pool.getJdbcUrl(), pool.getUsername(), pool.getPassword());
  }

  /** The Jdbi handle factory. */
  public Jdbi jdbi() {
    return jdbi;
  }

  /** Which database this is. */
  public Dialect dialect() {
    return dialect;
  }

  /** The pooled data source, behind the fail-fast breaker. */
  public DataSource dataSource() {
    return failFast;
  }

  /** Whether the database answers a trivial query (at once "no" while it is known to be down). */
  public boolean ping() {
    if (failFast.open()) {
      return false;
    }
    try {
      return jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
    } catch (RuntimeException e) {
      LOG.warn("database ping failed: {}", e.toString());
      return false;
    }
  }

  /**
   * Writes a consistent copy of the SQLite database to {@code target} while it is in use ({@code
   * VACUUM INTO}); the target must not exist.
   *
   * @throws StoreException for PostgreSQL (use pg_dump) or when the copy fails
   */
  public void backup(Path target) {
    if (sqliteFile.isEmpty()) {
      throw new StoreException(
          "backup copies the embedded SQLite database; for PostgreSQL use pg_dump", null);
    }
    if (Files.exists(target)) {
      throw new StoreException(
          "backup target " + target + " already exists; choose a new file name", null);
    }
    String literal = target.toAbsolutePath().toString().replace("'", "''");
    jdbi.useHandle(h -> h.execute("VACUUM INTO '" + literal + "'"));
    try {
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new StoreException("cannot restrict permissions of " + target, e);
    }
  }

  /**
   * A password from {@code database.password-file} is checked every two seconds; a new one is
   * handed to the pool for every connection it opens from then on (open ones stay, as PostgreSQL
   * keeps a session's authentication).
   */
  private void followPassword(Secret password) {
    String[] current = {password.reveal()};
    passwordWatch =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "gatehouse-db-password");
              t.setDaemon(true);
              return t;
            });
    var unused =
        passwordWatch.scheduleWithFixedDelay(
            () -> {
              String now = password.reveal();
              if (!now.equals(current[0])) {
                pool.getHikariConfigMXBean().setPassword(now);
                current[0] = now;
                org.slf4j.LoggerFactory.getLogger(Database.class)
                    .info("database password re-read from its file");
              }
            },
            2,
            2,
            java.util.concurrent.TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (passwordWatch != null) {
      passwordWatch.shutdownNow();
    }
    pool.close();
  }
}
