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
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      System.out.printf(
          "%-16s %-20s %-24s %-24s %-16s %s%n",
          "ID", "USER", "SIGNED IN", "LAST SEEN", "ADDRESS", "METHODS");
      var sessions =
          remote
              .get()
              .get("/sessions" + username.map(u -> "?user=" + RemoteAdmin.encode(u)).orElse(""));
      for (var session : sessions.path("items")) {
        java.util.List<String> amr = new java.util.ArrayList<>();
        session.path("amr").forEach(a -> amr.add(a.asText()));
        System.out.printf(
            "%-16s %-20s %-24s %-24s %-16s %s%n",
            session.path("id").asText(),
            session.path("username").asText(),
            session.path("created_at").asText(),
            session.path("last_seen_at").asText(),
            session.path("client_address").asText(),
            String.join(" ", amr));
      }
      return 0;
    }
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
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      if (username.isPresent()) {
        remote
            .get()
            .send(
                "DELETE",
                "/users/" + remote.get().userId(username.get()) + "/sessions",
                Optional.empty());
      } else {
        remote.get().send("DELETE", "/sessions/" + RemoteAdmin.encode(id.get()), Optional.empty());
      }
      System.out.println("revoked");
      return 0;
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
