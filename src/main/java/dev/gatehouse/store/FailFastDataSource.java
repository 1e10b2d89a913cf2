package dev.gatehouse.store;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The pool as every query sees it, with a circuit breaker in front: once getting a connection fails
 * (the database is down, unreachable, or the pool waited its short timeout), every request for one
 * in the next {@code openFor} fails at once instead of queueing for the pool's timeout — so a dead
 * database costs each request milliseconds, not seconds, and cannot stall every server thread
 * (SECURITY.md §1: fail closed and fast). After {@code openFor} one caller tries the pool again; a
 * success closes the breaker. The callers turn the failure into 503, never into a decision.
 *
 * <p>Concurrency: the only state is the time the breaker stays open until, in an {@link
 * AtomicLong}; callers race harmlessly to re-open it. Thread-safe.
 */
final class FailFastDataSource implements DataSource {
  private final DataSource pool;
  private final long openForNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong openUntil = new AtomicLong(Long.MIN_VALUE);

  FailFastDataSource(DataSource pool, java.time.Duration openFor, LongSupplier nanoTime) {
    this.pool = pool;
    this.openForNanos = openFor.toNanos();
    this.nanoTime = nanoTime;
  }

  @Override
  public Connection getConnection() throws SQLException {
    // A thread that answers in place (the verify fast lane) never waits for the pool or the disk.
    dev.gatehouse.kernel.NonBlocking.mayBlock();
    long now = nanoTime.getAsLong();
    long until = openUntil.get();
    if (until != Long.MIN_VALUE && now - until < 0) {
      throw new SQLTransientConnectionException(
          "database unavailable (failing fast while it is down)", "08001");
    }
    try {
      Connection connection = pool.getConnection();
      openUntil.set(Long.MIN_VALUE);
      return connection;
    } catch (SQLException e) {
      if (connectionFailure(e)) {
        openUntil.set(nanoTime.getAsLong() + openForNanos);
      }
      throw e;
    }
  }

  /**
   * Whether the database could not be reached (SQLState class 08, or an I/O failure underneath), as
   * opposed to a pool that was merely busy for its timeout: load alone must not open the breaker.
   */
  static boolean connectionFailure(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && sql.getSQLState().startsWith("08")) {
        return true;
      }
      if (t instanceof java.io.IOException) {
        return true;
      }
    }
    return false;
  }

  /** Whether the breaker is open now (the database is known to be down). */
  boolean open() {
    long until = openUntil.get();
    return until != Long.MIN_VALUE && nanoTime.getAsLong() - until < 0;
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("the pool holds the credentials");
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || pool.isWrapperFor(type);
  }
}
