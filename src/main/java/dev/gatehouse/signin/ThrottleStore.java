package dev.gatehouse.signin;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * Shared, durable attempt counters for throttling. The store serialises {@link #apply} per key
 * across threads, processes and nodes (one database transaction with the row locked), so parallel
 * attempts cannot slip past the limit. Thread-safe; no method returns null.
 */
public interface ThrottleStore {
  /** A key's counter: failures so far, when the last was, and until when attempts are refused. */
  record Counter(int failures, Instant lastAttemptAt, Instant blockedUntil) {}

  /** What {@link #apply} should write (empty: delete the row) and what it returns. */
  record Step<T>(Optional<Counter> next, T result) {}

  /** Atomically reads the counter for {@code key}, runs {@code step}, writes its result. */
  <T> T apply(String key, Function<Optional<Counter>, Step<T>> step);

  /** Forgets the key. */
  void delete(String key);

  /** Deletes counters whose block ended before {@code before}; the number deleted. */
  int purge(java.time.Instant before);
}
