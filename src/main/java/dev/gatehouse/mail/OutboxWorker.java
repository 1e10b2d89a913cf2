package dev.gatehouse.mail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the outbox: claims due messages (so that several nodes never send the same one twice),
 * skips messages whose link expired, retries failures with exponential back-off (5 s doubling up to
 * an hour) and gives up after {@link #MAX_ATTEMPTS}, leaving a dead letter for {@code gatehouse
 * mail retry}. A crash between the SMTP hand-off and the status update can send a message twice;
 * the stable Message-ID lets mail systems recognise the repeat. Thread-safe; {@link #deliverDue} is
 * normally called by a scheduler.
 */
public final class OutboxWorker {
  /** Attempts before a message becomes a dead letter. */
  public static final int MAX_ATTEMPTS = 10;

  private static final Logger LOG = LoggerFactory.getLogger(OutboxWorker.class);
  private static final Duration LEASE = Duration.ofMinutes(2);

  private final OutboxRepository outbox;
  private final MailTransport transport;
  private final Clock clock;
  private final String messageIdDomain;

  /** A worker delivering through {@code transport}. */
  public OutboxWorker(
      OutboxRepository outbox, MailTransport transport, Clock clock, String messageIdDomain) {
    this.outbox = outbox;
    this.transport = transport;
    this.clock = clock;
    this.messageIdDomain = messageIdDomain;
  }

  /** Delivers every due message; returns how many were sent. */
  public int deliverDue() {
    int sent = 0;
    for (int round = 0; round < 100; round++) {
      Instant now = clock.instant();
      var batch = outbox.due(now, 20);
      if (batch.isEmpty()) {
        break;
      }
      for (Message.Queued queued : batch) {
        if (!outbox.claim(queued.id(), now, now.plus(LEASE))) {
          continue;
        }
        if (queued.expiresAt().isPresent() && !now.isBefore(queued.expiresAt().get())) {
          outbox.markExpired(
              queued.id()); // The link inside is dead; sending it would only confuse.
          continue;
        }
        try {
          transport.send("<" + queued.id() + "@" + messageIdDomain + ">", queued.message());
          outbox.markSent(queued.id(), clock.instant());
          sent++;
        } catch (MailTransport.MailException e) {
          int attempts = queued.attempts() + 1;
          boolean dead = attempts >= MAX_ATTEMPTS;
          Duration wait = Duration.ofSeconds(Math.min(3600L, 5L << Math.min(attempts - 1, 20)));
          outbox.markFailed(queued.id(), now.plus(wait), e.getMessage(), dead);
          LOG.warn(
              "mail {} not delivered (attempt {}{}): {}",
              queued.id(),
              attempts,
              dead ? ", giving up" : "",
              e.getMessage());
        }
      }
    }
    return sent;
  }
}
