package dev.gatehouse.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last-seen writes taken off the request path: a request only notes "this key was active at t" in a
 * map (the latest time per key wins), and one writer thread stores everything noted in one
 * transaction about every {@link #FLUSH_NANOS}. A hundred thousand returning users thus cost a few
 * batched writes a second instead of a durable commit each while they wait, and readers never queue
 * behind those writes.
 *
 * <p>Bounded: at {@link #MAX_PENDING} keys waiting (the database is not keeping up), the caller
 * writes its own batch before going on — back-pressure instead of unbounded memory. What is noted
 * but not yet written is visible through {@link #pending}, so this process never judges a session
 * idle that it saw active; another node sees the activity within a flush. A crash loses at most the
 * last flush's activity: the session then looks idle slightly earlier, never later (fail closed).
 * {@link #close} writes what is left. Thread-safe.
 */
final class ActivityWriter implements AutoCloseable {
  /** How often the writer stores what was noted. */
  static final long FLUSH_NANOS = 250_000_000L;

  /** Keys waiting before callers must write themselves. */
  static final int MAX_PENDING = 50_000;

  private static final Logger LOG = LoggerFactory.getLogger(ActivityWriter.class);

  private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
  private final Consumer<Map<String, Long>> writeBatch;
  private final String name;
  private final Object flushing = new Object();
  private final boolean background;
  private volatile Thread writer;
  private volatile boolean closed;
  private long lastFailureLog;

  /** {@code writeBatch} stores key → epoch millis in one transaction, never moving time back. */
  ActivityWriter(String name, Consumer<Map<String, Long>> writeBatch) {
    this(name, writeBatch, true);
  }

  /** As above; without {@code background}, only callers and {@link #close} write (tests). */
  ActivityWriter(String name, Consumer<Map<String, Long>> writeBatch, boolean background) {
    this.name = name;
    this.writeBatch = writeBatch;
    this.background = background;
  }

  /** How many keys wait to be written. */
  int waiting() {
    return pending.size();
  }

  /** Notes that {@code key} was active at {@code epochMillis}. */
  void note(String key, long epochMillis) {
    pending.merge(key, epochMillis, Math::max);
    if (closed) {
      flush();
      return;
    }
    startWriter();
    if (pending.size() >= MAX_PENDING) {
      dev.gatehouse.kernel.NonBlocking.mayBlock(); // noted already; a blocking thread writes it
      flush(); // the writer is behind: this caller pays for a batch rather than memory growing
    }
  }

  /** The activity noted for {@code key} and not yet stored, if any. */
  java.util.OptionalLong pending(String key) {
    Long at = pending.get(key);
    return at == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(at);
  }

  /** Stores everything noted so far; on failure, keeps it for the next try and rethrows. */
  void flush() {
    synchronized (flushing) {
      if (pending.isEmpty()) {
        return;
      }
      Map<String, Long> batch = new java.util.HashMap<>();
      List<String> keys = new ArrayList<>(pending.keySet());
      for (String key : keys) {
        Long at = pending.remove(key);
        if (at != null) {
          batch.put(key, at);
        }
      }
      try {
        writeBatch.accept(batch);
      } catch (RuntimeException e) {
        batch.forEach((key, at) -> pending.merge(key, at, Math::max));
        throw e;
      }
    }
  }

  private void startWriter() {
    if (writer == null && background) {
      synchronized (this) {
        if (writer == null && !closed) {
          Thread thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
          writer = thread;
          thread.start();
        }
      }
    }
  }

  private void run() {
    while (!closed) {
      LockSupport.parkNanos(FLUSH_NANOS);
      try {
        flush();
      } catch (RuntimeException e) {
        long now = System.nanoTime();
        if (lastFailureLog == 0 || now - lastFailureLog > 60_000_000_000L) {
          lastFailureLog = now;
          LOG.warn("could not record session activity (kept, retried): {}", e.toString());
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread thread = writer;
    if (thread != null) {
      LockSupport.unpark(thread);
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("session activity of the last moments not recorded: {}", e.toString());
    }
  }
}
