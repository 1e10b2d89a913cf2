package dev.gatehouse.app;

import dev.gatehouse.keys.SigningKeys;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse keys list|rotate}: the token-signing keys. */
@Command(name = "keys", description = "Show and rotate the token-signing keys.")
final class KeysCommand {
  @ParentCommand Main main;

  @Command(name = "list", description = "List the signing keys and what each is doing.")
  int list() {
    try (Gatehouse gatehouse = main.open()) {
      System.out.printf("%-26s %-6s %s%n", "KID", "ALG", "STATE");
      for (SigningKeys.KeyInfo key : gatehouse.signingKeys().describe()) {
        System.out.printf("%-26s %-6s %s%n", key.kid(), key.alg(), key.state());
      }
    }
    return 0;
  }

  @Command(
      name = "rotate",
      description =
          "Introduce new keys: published now (so clients can fetch them), signing after"
              + " --activate-in; the old keys stay published until their tokens have expired.")
  int rotate(
      @Option(
              names = "--activate-in",
              paramLabel = "DURATION",
              description = "Default 1h (clients cache the key set); 0m signs with them at once.")
          Optional<String> activateIn) {
    Duration delay =
        activateIn
            .filter(v -> !v.equals("0") && !v.equals("0m"))
            .map(v -> ApiKeyCommand.duration("--activate-in", v))
            .orElse(activateIn.isPresent() ? Duration.ZERO : Duration.ofHours(1));
    try (Gatehouse gatehouse = main.open()) {
      List<String> kids = gatehouse.signingKeys().rotate(delay);
      System.out.println(
          "new keys "
              + String.join(", ", kids)
              + " are published; they sign from "
              + gatehouse.clock().instant().plus(delay));
      System.out.println("running servers pick them up within a minute");
    }
    return 0;
  }
}
