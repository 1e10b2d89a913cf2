package dev.gatehouse.app;

import dev.gatehouse.identity.User;
import dev.gatehouse.session.Session;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse session list|revoke}. */
@Command(name = "session", description = "List and revoke sign-in sessions.")
final class SessionCommand {
  @ParentCommand Main main;

  @Command(name = "list", description = "List live sessions.")
  int list(@Option(names = "--user", paramLabel = "USERNAME") Optional<String> username) {
    try (Gatehouse gatehouse = main.open()) {
      Optional<User> user = username.map(u -> gatehouse.directory().requireUser(u));
      System.out.printf(
          "%-16s %-20s %-24s %-24s %-16s %s%n",
          "ID", "USER", "SIGNED IN", "LAST SEEN", "ADDRESS", "METHODS");
      for (Session session : gatehouse.sessions().list(user.map(User::id))) {
        String name =
            gatehouse.directory().findById(session.userId()).map(User::username).orElse("?");
        System.out.printf(
            "%-16s %-20s %-24s %-24s %-16s %s%n",
            session.id(),
            name,
            session.createdAt(),
            session.lastSeenAt(),
            session.clientAddress(),
            String.join(" ", session.amr()));
      }
    }
    return 0;
  }

  @Command(
      name = "revoke",
      description = "End one session by ID (or unique prefix), or all of a user's.")
  int revoke(
      @Parameters(paramLabel = "ID", arity = "0..1") Optional<String> id,
      @Option(names = "--user", paramLabel = "USERNAME") Optional<String> username) {
    if (id.isPresent() == username.isPresent()) {
      throw new Main.CliException("give either a session ID or --user USERNAME");
    }
    try (Gatehouse gatehouse = main.open()) {
      int count;
      if (username.isPresent()) {
        count =
            gatehouse.sessions().revokeAll(gatehouse.directory().requireUser(username.get()).id());
      } else {
        count = gatehouse.sessions().revoke(id.get());
        if (count < 0) {
          throw new Main.CliException(
              "session prefix " + id.get() + " is ambiguous; give more characters");
        }
        if (count == 0) {
          throw new Main.CliException("no live session " + id.get());
        }
      }
      System.out.println("revoked " + count + " session" + (count == 1 ? "" : "s"));
    }
    return 0;
  }
}
