package dev.gatehouse.app;

import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.identity.User;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse audit [--user U] [--limit N]}. */
@Command(
    name = "audit",
    description = "Show the audit log: sign-ins, failures, factor changes, revocations.")
final class AuditCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--user", paramLabel = "USERNAME")
  Optional<String> username = Optional.empty();

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100")
  int limit;

  @Override
  public Integer call() {
    try (Gatehouse gatehouse = main.open()) {
      Optional<User> user = username.map(u -> gatehouse.directory().requireUser(u));
      System.out.printf(
          "%-24s %-20s %-20s %-16s %s%n", "TIME", "EVENT", "USER", "ADDRESS", "DETAIL");
      for (AuditEvent event :
          gatehouse.audit().list(user.map(User::id), Math.max(1, Math.min(limit, 10_000)))) {
        System.out.printf(
            "%-24s %-20s %-20s %-16s %s%n",
            event.at(), event.kind(), event.username(), event.clientAddress(), event.detail());
      }
    }
    return 0;
  }
}
