package dev.gatehouse.app;

import dev.gatehouse.keys.AtRestCipher;
import dev.gatehouse.keys.SigningKeys;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse keys list|rotate|at-rest-new|at-rest-check}: signing and at-rest keys. */
@Command(
    name = "keys",
    description = "Show and rotate the token-signing keys; make and check the at-rest key.")
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

  @Command(
      name = "at-rest-new",
      description =
          "Write a new at-rest key to FILE (0600; never over an existing file) for"
              + " keys.at-rest-key-file. Only for a new deployment: data sealed with another key"
              + " stays sealed with it (to share an existing node's key, copy its"
              + " <data-dir>/at-rest.key instead).")
  int atRestNew(@Parameters(paramLabel = "FILE") Path file) {
    try {
      AtRestCipher.writeNewKey(file, new SecureRandom());
    } catch (java.nio.file.FileAlreadyExistsException e) {
      System.err.println("gatehouse: " + file + " exists; nothing was changed");
      return 1;
    } catch (java.io.IOException e) {
      System.err.println("gatehouse: cannot write " + file + ": " + e.getMessage());
      return 1;
    }
    System.out.println(
        "wrote a new at-rest key to "
            + file
            + " (0600); give every node this file and set keys.at-rest-key-file to it");
    return 0;
  }

  @Command(
      name = "at-rest-check",
      description =
          "Check that the configured at-rest key opens this database's sealed data (run it on"
              + " each node before starting it).")
  int atRestCheck() {
    try (Gatehouse gatehouse = main.open()) {
      int keys = gatehouse.signingKeys().describe().size();
      System.out.println(
          "the at-rest key "
              + gatehouse
                  .config()
                  .atRestKeyFile()
                  .map(Path::toString)
                  .orElse("<data-dir>/" + Gatehouse.AT_REST_KEY)
              + " opens this database ("
              + keys
              + " signing keys)");
    }
    return 0;
  }
}
