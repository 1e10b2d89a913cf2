package dev.gatehouse.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.mail.OutboxRepository;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse mail queue|retry}. */
@Command(name = "mail", description = "Show and retry the outgoing mail queue.")
final class MailCommand {
  private static final String ROW = "%-32s %-8s %-8s %-30s %-24s %s%n";

  @ParentCommand Main main;

  @Command(name = "queue", description = "List recent and pending messages (never their contents).")
  int queue() {
    System.out.printf(ROW, "ID", "STATUS", "TRIES", "TO", "NEXT ATTEMPT", "LAST ERROR");
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      for (JsonNode row : remote.get().get("/mail?limit=200").path("items")) {
        String status = row.path("status").asText();
        System.out.printf(
            ROW,
            row.path("id").asText(),
            status,
            row.path("attempts").asText(),
            row.path("recipient").asText(),
            status.equals("pending") ? row.path("next_attempt_at").asText() : "-",
            row.path("last_error").isNull() ? "" : row.path("last_error").asText());
      }
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      for (OutboxRepository.Row row : gatehouse.outbox().list(200)) {
        System.out.printf(
            ROW,
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
    Optional<RemoteAdmin> remote = main.remote();
    int count;
    if (remote.isPresent()) {
      count =
          remote
              .get()
              .send("POST", "/mail/retry", Optional.of(RemoteAdmin.object()))
              .path("queued")
              .asInt();
    } else {
      try (Gatehouse gatehouse = main.open()) {
        count = gatehouse.outbox().retryDead(Instant.now());
      }
    }
    System.out.println("requeued " + count + " message" + (count == 1 ? "" : "s"));
    return 0;
  }
}
