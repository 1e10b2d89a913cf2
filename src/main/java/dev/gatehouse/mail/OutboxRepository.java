package dev.gatehouse.mail;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The mail outbox. Rows are inserted by the stores of the changes they announce, in the same
 * transaction; this port only delivers. Thread-safe; no method returns null.
 */
public interface OutboxRepository {
  /** A row as the worker and {@code gatehouse mail queue} see it. */
  record Row(
      String id,
      String recipient,
      String subject,
      String status,
      int attempts,
      Instant createdAt,
      Instant nextAttemptAt,
      Optional<Instant> expiresAt,
      Optional<String> lastError) {}

  /**
   * Queues a message that announces no stored change of its own (a notice such as "someone tried to
   * register your address").
   */
  void enqueue(Message.Queued message, Instant now);

  /** Pending messages due at {@code now}, oldest first, at most {@code limit}. */
  List<Message.Queued> due(Instant now, int limit);

  /**
   * Takes a due message for delivery: moves its next attempt to {@code leaseUntil} unless another
   * worker took it first. True for exactly one worker.
   */
  boolean claim(String id, Instant now, Instant leaseUntil);

  /** Records delivery. */
  void markSent(String id, Instant at);

  /** Records a failure: retry at {@code nextAttemptAt}, or give up ({@code dead}). */
  void markFailed(String id, Instant nextAttemptAt, String error, boolean dead);

  /** Gives up on a message whose content (a link) has expired. */
  void markExpired(String id);

  /** All messages not yet sent, and recently sent ones, newest first. */
  List<Row> list(int limit);

  /** Puts dead messages back in the queue; the number requeued. */
  int retryDead(Instant now);
}
