package dev.gatehouse.app;

import dev.gatehouse.mail.OutboxRepository;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse mail queue|retry}. */
@Command(name = "mail", description = "Show and retry the outgoing mail queue.")
final class MailCommand {
  @ParentCommand Main main;

  @Command(name = "queue", description = "List recent and pending messages (never their contents).")
  int queue() {
    try (Gatehouse gatehouse = main.open()) {
      System.out.printf(
          "%-32s %-8s %-8s %-30s %-24s %s%n",
          "ID", "STATUS", "TRIES", "TO", "NEXT ATTEMPT", "LAST ERROR");
      for (OutboxRepository.Row row : gatehouse.outbox().list(200)) {
        System.out.printf(
            "%-32s %-8s %-8d %-30s %-24s %s%n",
            row.id(),
            row.status(),
            row.attempts(),
            row.recipient(),
            row.status().equals("pending") ? row.nextAttemptAt().toString() : "-",
            row.lastError().orElse(""));
      }
    }
    return 0;
  }

  @Command(name = "retry", description = "Put dead letters back in the queue.")
  int retry() {
    try (Gatehouse gatehouse = main.open()) {
      int count = gatehouse.outbox().retryDead(Instant.now());
      System.out.println("requeued " + count + " message" + (count == 1 ? "" : "s"));
    }
    return 0;
  }
}
