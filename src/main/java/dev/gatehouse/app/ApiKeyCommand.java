package dev.gatehouse.app;

import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.policy.HostMatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse apikey create|list|revoke}. */
@Command(
    name = "apikey",
    description = "Manage API keys for forward-auth (Authorization: Bearer ghk_…).")
final class ApiKeyCommand {
  @ParentCommand Main main;

  @Command(name = "create", description = "Create a key; it is shown once.")
  int create(
      @Option(
              names = "--user",
              paramLabel = "USERNAME",
              description = "A personal key of this user.")
          Optional<String> username,
      @Option(
              names = "--app",
              paramLabel = "NAME",
              description = "An application key for this service.")
          Optional<String> application,
      @Option(names = "--name", paramLabel = "LABEL", description = "What the key is for.")
          Optional<String> label,
      @Option(
              names = "--host",
              paramLabel = "HOST",
              description = "Limit to this host (repeatable; *.example.com allowed).")
          List<String> hosts,
      @Option(
              names = "--group",
              paramLabel = "GROUP",
              description = "Groups of an application key (repeatable).")
          List<String> groups,
      @Option(
              names = "--expires-in",
              paramLabel = "DURATION",
              description = "e.g. 90d, 12h; default never.")
          Optional<String> expiresIn,
      @Option(
              names = "--scope",
              paramLabel = "SCOPE",
              description =
                  "A scope of the key (repeatable): gatehouse:admin lets it use the admin API"
                      + " (a personal key only while its user is an administrator).")
          List<String> scopes) {
    List<String> scopeList = scopes == null ? List.of() : scopes;
    if (username.isPresent() == application.isPresent()) {
      throw new Main.CliException("give either --user USERNAME or --app NAME");
    }
    List<String> hostList = hosts == null ? List.of() : hosts;
    for (String host : hostList) {
      if (HostMatcher.parse(host).isEmpty()) {
        throw new Main.CliException("--host " + host + " is not a host name or *.domain pattern");
      }
    }
    Optional<Duration> lifetime = expiresIn.map(ApiKeyCommand::duration);
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      username.ifPresent(u -> body.put("user", u));
      application.ifPresent(a -> body.put("application", a));
      label.ifPresent(l -> body.put("name", l));
      hostList.forEach(body.putArray("hosts")::add);
      (groups == null ? List.<String>of() : groups).forEach(body.putArray("groups")::add);
      scopeList.forEach(body.putArray("scopes")::add);
      expiresIn.ifPresent(e -> body.put("expires_in", e));
      var issued = remote.get().send("POST", "/api-keys", Optional.of(body));
      System.err.println(
          "Store this key now; Gatehouse keeps only its hash and cannot show it again:");
      System.out.println(issued.path("secret").asText());
      System.err.println("id " + issued.path("id").asText());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      ApiKeyService.Issued issued;
      if (username.isPresent()) {
        if (groups != null && !groups.isEmpty()) {
          throw new Main.CliException(
              "--group is for application keys; a personal key carries its user's groups");
        }
        User user = gatehouse.directory().requireUser(username.get());
        issued =
            gatehouse
                .apiKeys()
                .createPersonal(user.id(), label.orElse(""), hostList, lifetime, scopeList);
      } else {
        String app = application.get();
        if (!app.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
          throw new Main.CliException("--app must be 1 to 64 of a-z, 0-9, '.', '_' or '-'");
        }
        List<String> groupList =
            (groups == null ? List.<String>of() : groups)
                .stream().map(g -> Names.groupOrRole("group", g)).toList();
        issued =
            gatehouse
                .apiKeys()
                .createApplication(
                    app, label.orElse(app), hostList, groupList, lifetime, scopeList);
      }
      System.err.println(
          "Store this key now; Gatehouse keeps only its hash and cannot show it again:");
      System.out.println(issued.key());
      System.err.println(
          "id "
              + issued.record().id()
              + issued.record().expiresAt().map(at -> ", expires " + at).orElse(""));
    }
    return 0;
  }

  @Command(name = "list", description = "List live keys (never their secrets).")
  int list(@Option(names = "--user", paramLabel = "USERNAME") Optional<String> username) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      System.out.printf(
          "%-16s %-11s %-20s %-20s %-22s %s%n", "ID", "KIND", "OWNER", "LABEL", "EXPIRES", "HOSTS");
      var keys =
          remote
              .get()
              .get("/api-keys" + username.map(u -> "?user=" + RemoteAdmin.encode(u)).orElse(""));
      for (var key : keys.path("items")) {
        java.util.List<String> hosts = new java.util.ArrayList<>();
        key.path("hosts").forEach(h -> hosts.add(h.asText()));
        System.out.printf(
            "%-16s %-11s %-20s %-20s %-22s %s%n",
            key.path("id").asText(),
            key.path("kind").asText(),
            key.path("application").asText(key.path("user").asText("?")),
            key.path("name").asText(),
            key.path("expires_at").asText("never"),
            hosts.isEmpty() ? "any" : String.join(",", hosts));
      }
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      Optional<User> user = username.map(u -> gatehouse.directory().requireUser(u));
      System.out.printf(
          "%-16s %-11s %-20s %-20s %-22s %s%n", "ID", "KIND", "OWNER", "LABEL", "EXPIRES", "HOSTS");
      for (ApiKey key : gatehouse.apiKeys().list(user.map(User::id))) {
        String owner =
            key.application()
                .orElseGet(
                    () ->
                        key.owner()
                            .flatMap(id -> gatehouse.directory().findById(id))
                            .map(User::username)
                            .orElse("?"));
        System.out.printf(
            "%-16s %-11s %-20s %-20s %-22s %s%n",
            key.id(),
            key.kind().name().toLowerCase(java.util.Locale.ROOT),
            owner,
            key.label(),
            key.expiresAt().map(Instant::toString).orElse("never"),
            key.hosts().isEmpty() ? "any" : String.join(",", key.hosts()));
      }
    }
    return 0;
  }

  @Command(name = "revoke", description = "Revoke a key by id.")
  int revoke(@Parameters(paramLabel = "ID") String id) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", "/api-keys/" + RemoteAdmin.encode(id), Optional.empty());
      System.out.println("revoked " + id);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      if (!gatehouse.apiKeys().revoke(id)) {
        throw new Main.CliException("no live key " + id);
      }
      System.out.println("revoked key " + id);
    }
    return 0;
  }

  private static Duration duration(String text) {
    return duration("--expires-in", text);
  }

  /**
   * A CLI duration: {@code 30s}, {@code 30m}, {@code 12h} or {@code 90d}; else an error naming the
   * option.
   */
  static Duration duration(String option, String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d{1,6})(s|m|h|d)").matcher(text);
    if (!m.matches()) {
      throw new Main.CliException(option + " must look like 30s, 30m, 12h or 90d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
