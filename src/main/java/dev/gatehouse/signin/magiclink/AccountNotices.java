package dev.gatehouse.signin.magiclink;

import dev.gatehouse.identity.User;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.mail.Message;
import dev.gatehouse.mail.OutboxRepository;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Tells users by mail that their password changed, so a change they did not make does not go
 * unnoticed. The notice carries no link that acts — only the portal's reset page, built from the
 * configured public URL — and its bodies come from {@link MailContent}. Queued after the change is
 * committed: a crash in between loses the notice, never the change. Thread-safe.
 */
public final class AccountNotices {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final OutboxRepository outbox;
  private final Clock clock;
  private final SecureRandom random;
  private final String resetPage;

  /** Notices through {@code outbox}; {@code publicOrigin} is the configured public URL. */
  public AccountNotices(
      OutboxRepository outbox, Clock clock, SecureRandom random, String publicOrigin) {
    this.outbox = outbox;
    this.clock = clock;
    this.random = random;
    this.resetPage = publicOrigin + "/reset/request";
  }

  /** How the password came to change. */
  public enum Change {
    /** The user changed it on the account page; their other sessions ended. */
    CHANGED,
    /** Set through an emailed reset link; every session ended. */
    RESET,
    /** Set by an administrator ({@code gatehouse user set-password}); every session ended. */
    SET_BY_ADMIN
  }

  /** Queues the notice for {@code user}, if it has an address. */
  public void passwordChanged(User user, Change change) {
    if (user.email().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    String what =
        switch (change) {
          case RESET ->
              "was reset with a link sent to this address, and every session was signed out";
          case CHANGED -> "was changed on the account page, and its other sessions were signed out";
          case SET_BY_ADMIN -> "was set by an administrator, and every session was signed out";
        };
    String when = TIME.format(now);
    Message message =
        MailContent.to(
                Optional.of(user.username()),
                "the password of your Gatehouse account " + what + " (" + when + ").")
            .withAction(
                "Reset your password",
                resetPage,
                "If this wasn't you, reset your password now and tell your administrator")
            .message(
                user.email().get(),
                change == Change.CHANGED
                    ? "Your Gatehouse password was changed"
                    : "Your Gatehouse password was reset");
    outbox.enqueue(Message.Queued.fresh(message, now.plus(Duration.ofDays(7)), random), now);
  }
}
