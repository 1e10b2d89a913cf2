package dev.gatehouse.app;

import dev.gatehouse.identity.User;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse user …}. */
@Command(name = "user", description = "Manage users.")
final class UserCommand {
  @ParentCommand Main main;

  @Command(name = "add", description = "Create a user.")
  int add(
      @Parameters(paramLabel = "USERNAME") String username,
      @Option(names = "--email") Optional<String> email,
      @Option(names = "--name", description = "Display name.") Optional<String> name,
      @Option(names = "--admin", description = "Make the user an administrator.") boolean admin,
      @Option(names = "--password-stdin", description = "Read a password from standard input.")
          boolean passwordStdin,
      @Option(names = "--password", description = "Ask for a password on the terminal.")
          boolean password) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("username", username);
      email.ifPresent(e -> body.put("email", e));
      name.ifPresent(n -> body.put("display_name", n));
      body.put("admin", admin);
      if (passwordStdin || password) {
        body.put("password", Passwords.read(passwordStdin));
      }
      remote.get().send("POST", "/users", Optional.of(body));
      System.out.println("created user " + username + (admin ? " (administrator)" : ""));
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      Optional<String> secret =
          passwordStdin || password ? Optional.of(Passwords.read(passwordStdin)) : Optional.empty();
      User user = gatehouse.directory().addUser(username, email, name.orElse(""), admin);
      if (secret.isPresent()) {
        gatehouse.accounts().setPassword(user, secret.get());
      }
      System.out.println("created user " + user.username() + (admin ? " (administrator)" : ""));
    }
    return 0;
  }

  @Command(
      name = "invite",
      description = "Create an account and email its owner a set-up link (7 days).")
  int invite(
      @Parameters(paramLabel = "EMAIL") String email,
      @Option(names = "--username", description = "Default: the part of the address before @.")
          Optional<String> username,
      @Option(names = "--admin", description = "Make the user an administrator.") boolean admin) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("email", email);
      username.ifPresent(u -> body.put("username", u));
      body.put("admin", admin);
      body.put("invite", true);
      var user = remote.get().send("POST", "/users", Optional.of(body));
      System.out.println("invited " + user.path("username").asText() + " <" + email + ">");
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      if (!gatehouse.registrations().policy().allowsInvitations()) {
        throw new Main.CliException(
            "invitations are off because registration.policy is closed; set registration.policy"
                + " to invite (or open, or domains) to invite by email, or create the account with"
                + " `gatehouse user add`");
      }
      User user = gatehouse.invitations().invite(email, username, admin);
      System.out.println(
          "invited "
              + user.username()
              + " <"
              + user.email().orElse("")
              + ">; the link is in the mail queue"
              + (gatehouse.config().mail().smtpHost().isEmpty()
                  ? " (no SMTP configured: the running server prints it)"
                  : ""));
    }
    return 0;
  }

  @Command(name = "list", description = "List users.")
  int list() {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      System.out.printf(
          "%-24s %-32s %-8s %-5s %s%n", "USERNAME", "EMAIL", "STATE", "ADMIN", "LAST SIGN-IN");
      String cursor = "";
      do {
        var page =
            remote.get().get("/users?limit=200" + (cursor.isEmpty() ? "" : "&cursor=" + cursor));
        for (var user : page.path("items")) {
          System.out.printf(
              "%-24s %-32s %-8s %-5s %s%n",
              user.path("username").asText(),
              user.path("email").asText("-"),
              user.path("disabled").asBoolean() ? "disabled" : "enabled",
              user.path("admin").asBoolean() ? "yes" : "no",
              user.path("last_sign_in_at").asText("never"));
        }
        cursor = page.path("next_cursor").isNull() ? "" : page.path("next_cursor").asText();
      } while (!cursor.isEmpty());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      System.out.printf(
          "%-24s %-32s %-8s %-5s %s%n", "USERNAME", "EMAIL", "STATE", "ADMIN", "LAST SIGN-IN");
      for (User user : gatehouse.directory().listUsers()) {
        System.out.printf(
            "%-24s %-32s %-8s %-5s %s%n",
            user.username(),
            user.email().orElse("-"),
            user.disabled() ? "disabled" : "enabled",
            user.admin() ? "yes" : "no",
            user.lastSignInAt().map(Instant::toString).orElse("never"));
      }
    }
    return 0;
  }

  @Command(name = "show", description = "Show one user with groups, roles and claims.")
  int show(@Parameters(paramLabel = "USERNAME") String username) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var user = remote.get().get("/users/" + RemoteAdmin.encode(remote.get().userId(username)));
      System.out.println("username:      " + user.path("username").asText());
      System.out.println("id:            " + user.path("id").asText());
      System.out.println("display name:  " + user.path("display_name").asText());
      System.out.println(
          "email:         " + (user.path("email").isNull() ? "-" : user.path("email").asText()));
      System.out.println(
          "state:         " + (user.path("disabled").asBoolean() ? "disabled" : "enabled"));
      System.out.println("administrator: " + (user.path("admin").asBoolean() ? "yes" : "no"));
      System.out.println("created:       " + user.path("created_at").asText());
      System.out.println(
          "last sign-in:  "
              + (user.path("last_sign_in_at").isNull()
                  ? "never"
                  : user.path("last_sign_in_at").asText()));
      java.util.List<String> groups = new java.util.ArrayList<>();
      user.path("groups").forEach(g -> groups.add(g.asText()));
      System.out.println("groups:        " + String.join(", ", groups));
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      User user = gatehouse.directory().requireUser(username);
      System.out.println("username:      " + user.username());
      System.out.println("id:            " + user.id());
      System.out.println("display name:  " + user.displayName());
      System.out.println("email:         " + user.email().orElse("-"));
      System.out.println("state:         " + (user.disabled() ? "disabled" : "enabled"));
      System.out.println("administrator: " + (user.admin() ? "yes" : "no"));
      System.out.println("created:       " + user.createdAt());
      System.out.println(
          "last sign-in:  " + user.lastSignInAt().map(Instant::toString).orElse("never"));
      System.out.println(
          "groups:        " + String.join(", ", gatehouse.directory().groupsOf(user.id())));
      System.out.println(
          "roles:         " + String.join(", ", gatehouse.directory().rolesOf(user.id())));
      gatehouse
          .directory()
          .claimsOf(user.id())
          .forEach(
              (claim, values) ->
                  System.out.println("claim " + claim + ": " + String.join(", ", values)));
    }
    return 0;
  }

  @Command(name = "disable", description = "Disable a user and end its sessions.")
  int disable(@Parameters(paramLabel = "USERNAME") String username) {
    if (patchRemotely(username, "disabled", true)) {
      System.out.println("disabled " + username + " and ended its sessions");
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.accounts().disable(gatehouse.directory().requireUser(username));
      System.out.println("disabled " + username + " and ended its sessions");
    }
    return 0;
  }

  @Command(name = "enable", description = "Enable a user.")
  int enable(@Parameters(paramLabel = "USERNAME") String username) {
    if (patchRemotely(username, "disabled", false)) {
      System.out.println("enabled " + username);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.accounts().enable(gatehouse.directory().requireUser(username));
      System.out.println("enabled " + username);
    }
    return 0;
  }

  @Command(name = "delete", description = "Delete a user, its password and sessions.")
  int delete(@Parameters(paramLabel = "USERNAME") String username) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", "/users/" + remote.get().userId(username), Optional.empty());
      System.out.println("deleted " + username);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.accounts().delete(gatehouse.directory().requireUser(username));
      System.out.println("deleted " + username);
    }
    return 0;
  }

  @Command(name = "set-password", description = "Set a user's password and end its sessions.")
  int setPassword(
      @Parameters(paramLabel = "USERNAME") String username,
      @Option(names = "--password-stdin", description = "Read the password from standard input.")
          boolean passwordStdin) {
    try (Gatehouse gatehouse = main.open()) {
      User user = gatehouse.directory().requireUser(username);
      gatehouse.accounts().setPassword(user, Passwords.read(passwordStdin));
      gatehouse
          .accountNotices()
          .passwordChanged(user, dev.gatehouse.signin.magiclink.AccountNotices.Change.SET_BY_ADMIN);
      System.out.println(
          "password set for "
              + username
              + "; its sessions ended"
              + (user.email().isPresent() ? " and a notice is mailed to its address" : ""));
    }
    return 0;
  }

  @Command(name = "set-admin", description = "Grant (true) or remove (false) administrator rights.")
  int setAdmin(
      @Parameters(paramLabel = "USERNAME") String username,
      @Parameters(paramLabel = "true|false") boolean admin) {
    if (patchRemotely(username, "admin", admin)) {
      System.out.println(
          username + (admin ? " is now an administrator" : " is no longer an administrator"));
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().setAdmin(gatehouse.directory().requireUser(username).id(), admin);
      System.out.println(
          username + (admin ? " is now an administrator" : " is no longer an administrator"));
    }
    return 0;
  }

  /** With --remote: sets one flag of the user over the admin API; false when not remote. */
  private boolean patchRemotely(String username, String field, boolean value) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isEmpty()) {
      return false;
    }
    var body = RemoteAdmin.object();
    body.put(field, value);
    remote.get().send("PATCH", "/users/" + remote.get().userId(username), Optional.of(body));
    return true;
  }
}
