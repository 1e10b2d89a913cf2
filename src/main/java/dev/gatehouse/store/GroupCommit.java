package dev.gatehouse.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Group commit: many threads' small inserts written by one thread, as many as are waiting in one
 * transaction, so a durable commit (an fsync) is paid once per batch instead of once per row.
 * {@link #submit} returns only after the caller's row is committed — a 2xx still means durable. A
 * failed batch is retried row by row, so one bad row fails only its own caller. Thread-safe.
 */
final class GroupCommit<T> implements AutoCloseable {
  private record Pending<T>(T item, CompletableFuture<Void> done) {}

  private final BlockingQueue<Pending<T>> queue = new ArrayBlockingQueue<>(8192);
  private final Consumer<List<T>> writeBatch;
  private final int maxBatch;
  private final Thread writer;
  private volatile boolean closed;

  /** Starts the writer thread; {@code writeBatch} must write its rows in one transaction. */
  GroupCommit(String name, int maxBatch, Consumer<List<T>> writeBatch) {
    this.writeBatch = writeBatch;
    this.maxBatch = maxBatch;
    this.writer = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
    writer.start();
  }

  /** Writes {@code item}; returns when it is committed, or throws what the write threw. */
  void submit(T item) {
    dev.gatehouse.kernel.NonBlocking.mayBlock();
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
    Pending<T> pending = new Pending<>(item, new CompletableFuture<>());
    try {
      if (!queue.offer(pending, 10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the database is not keeping up (write queue full)");
      }
      pending.done().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the database did not commit in time", e);
    }
  }

  private void run() {
    List<Pending<T>> batch = new ArrayList<>(maxBatch);
    while (!closed || !queue.isEmpty()) {
      try {
        Pending<T> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        write(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Pending<T>> batch) {
    try {
      writeBatch.accept(batch.stream().map(Pending::item).toList());
      batch.forEach(p -> p.done().complete(null));
    } catch (RuntimeException batchFailed) {
      for (Pending<T> pending : batch) {
        try {
          writeBatch.accept(List.of(pending.item()));
          pending.done().complete(null);
        } catch (RuntimeException e) {
          pending.done().completeExceptionally(e);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      writer.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
