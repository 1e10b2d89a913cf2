package dev.gatehouse.app;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.signin.upstream.UpstreamProvider;
import dev.gatehouse.signin.upstream.UpstreamSignIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse idp …}: upstream identity providers — those of {@code identity-providers} in
 * gatehouse.yml (read-only here) and those added with {@code idp add} (stored, the client secret
 * sealed with the at-rest key; a running server sees a change within a second).
 */
@Command(
    name = "idp",
    description =
        "Upstream identity providers: those of identity-providers in gatehouse.yml, and those"
            + " added here (a running server picks up a change within a second).")
final class IdpCommand {
  @ParentCommand Main main;

  @Command(
      name = "add",
      description =
          "Add a provider (the same fields as an identity-providers entry of gatehouse.yml);"
              + " prints the redirect URI to register at the provider.")
  int add(
      @Parameters(paramLabel = "ID", description = "a-z, 0-9 and '-'; part of the redirect URI")
          String id,
      @Option(names = "--name", description = "What the sign-in button says (default: the id).")
          Optional<String> name,
      @Option(
              names = "--type",
              paramLabel = "oidc|oauth2",
              description = "oidc (default, discovery from the issuer) or oauth2 (GitHub-style).")
          Optional<String> type,
      @Option(names = "--issuer", paramLabel = "URL") Optional<String> issuer,
      @Option(names = "--client-id", required = true) String clientId,
      @Option(
              names = "--client-secret-file",
              paramLabel = "FILE",
              required = true,
              description = "Read once; stored sealed with the at-rest key.")
          Path secretFile,
      @Option(names = "--scope", description = "Repeatable; default openid profile email.")
          List<String> scopes,
      @Option(
              names = "--registration",
              paramLabel = "closed|invite|open|domains",
              description = "First sign-in of an unknown identity (default: registration.policy).")
          Optional<String> registration,
      @Option(names = "--domain", description = "Repeatable; for --registration domains.")
          List<String> domains,
      @Option(
              names = "--trust-email",
              description = "Link an existing account by an email the provider says is verified.")
          boolean trustEmail,
      @Option(names = "--trust-mfa", description = "The provider's two-factor amr counts as mfa.")
          boolean trustMfa,
      @Option(names = "--username-claim") Optional<String> usernameClaim,
      @Option(names = "--email-claim") Optional<String> emailClaim,
      @Option(names = "--name-claim") Optional<String> nameClaim,
      @Option(names = "--groups-claim") Optional<String> groupsClaim,
      @Option(names = "--allowed-group", description = "Repeatable.") List<String> allowedGroups,
      @Option(names = "--end-session", description = "Sign out at the provider too.")
          boolean endSession,
      @Option(names = "--drop-missing-groups") boolean dropMissingGroups,
      @Option(names = "--authorization-endpoint", paramLabel = "URL")
          Optional<String> authorizationEndpoint,
      @Option(names = "--token-endpoint", paramLabel = "URL") Optional<String> tokenEndpoint,
      @Option(names = "--userinfo-endpoint", paramLabel = "URL") Optional<String> userinfoEndpoint,
      @Option(names = "--subject-claim") Optional<String> subjectClaim) {
    String secret;
    try {
      secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new Main.CliException("cannot read --client-secret-file " + secretFile);
    }
    if (secret.isEmpty()) {
      throw new Main.CliException("--client-secret-file " + secretFile + " is empty");
    }
    ObjectNode definition = JsonNodeFactory.instance.objectNode();
    definition.put("id", id);
    definition.put("client-id", clientId);
    definition.put("trust-email", trustEmail);
    definition.put("trust-mfa", trustMfa);
    definition.put("end-session", endSession);
    definition.put("drop-missing-groups", dropMissingGroups);
    Map.of(
            "name", name,
            "type", type,
            "issuer", issuer,
            "registration", registration,
            "username-claim", usernameClaim,
            "email-claim", emailClaim,
            "name-claim", nameClaim,
            "groups-claim", groupsClaim,
            "authorization-endpoint", authorizationEndpoint,
            "token-endpoint", tokenEndpoint)
        .forEach((field, value) -> value.ifPresent(v -> definition.put(field, v)));
    userinfoEndpoint.ifPresent(v -> definition.put("userinfo-endpoint", v));
    subjectClaim.ifPresent(v -> definition.put("subject-claim", v));
    putAll(definition, "scopes", scopes);
    putAll(definition, "domains", domains);
    putAll(definition, "allowed-groups", allowedGroups);
    try (Gatehouse gatehouse = main.open()) {
      UpstreamProvider provider;
      try {
        provider = gatehouse.upstreamProviders().add(definition, Secret.of(secret));
      } catch (ConfigException | IllegalArgumentException e) {
        throw new Main.CliException("cannot add the provider: " + e.getMessage());
      }
      gatehouse
          .audit()
          .record("upstream.provider.added", Optional.empty(), "", "cli", provider.id());
      System.out.println("added identity provider " + provider.id());
      print(gatehouse.upstream(), provider, "stored (gatehouse idp add)");
      System.out.println("check it with: gatehouse idp test " + provider.id());
    }
    return 0;
  }

  @Command(
      name = "show",
      description = "Show a provider's settings (its secret only as set) and its redirect URI.")
  int show(@Parameters(paramLabel = "ID") String id) {
    try (Gatehouse gatehouse = main.open()) {
      UpstreamProvider provider = find(gatehouse, id);
      print(
          gatehouse.upstream(),
          provider,
          gatehouse.upstream().configured(provider.id())
              ? "gatehouse.yml (read-only here)"
              : "stored (gatehouse idp add)");
    }
    return 0;
  }

  @Command(
      name = "remove",
      description =
          "Remove a provider added with idp add: nobody signs in through it any more and the"
              + " sessions that came through it end. Links to it are kept, so adding it again"
              + " restores them.")
  int remove(@Parameters(paramLabel = "ID") String id) {
    try (Gatehouse gatehouse = main.open()) {
      if (gatehouse.upstream().configured(id)) {
        throw new Main.CliException(
            "identity provider " + id + " is configured in gatehouse.yml; remove it there");
      }
      if (!gatehouse.upstreamProviders().remove(id)) {
        throw new Main.CliException("no identity provider " + id + "; see gatehouse idp list");
      }
      int ended = gatehouse.sessions().revokeThroughProviders(id::equals);
      gatehouse.audit().record("upstream.provider.removed", Optional.empty(), "", "cli", id);
      System.out.println(
          "removed identity provider " + id + "; ended " + ended + " session(s) from it");
    }
    return 0;
  }

  @Command(name = "list", description = "List the providers and their redirect URIs.")
  int list() {
    try (Gatehouse gatehouse = main.open()) {
      UpstreamSignIn upstream = gatehouse.upstream();
      System.out.printf(
          "%-16s %-20s %-10s %-7s %s%n", "ID", "NAME", "ACCOUNTS", "SOURCE", "ISSUER");
      for (UpstreamProvider p : upstream.providers()) {
        System.out.printf(
            "%-16s %-20s %-10s %-7s %s%n",
            p.id(),
            p.name(),
            p.accounts().name().toLowerCase(Locale.ROOT),
            upstream.configured(p.id()) ? "config" : "stored",
            p.issuer());
      }
    }
    return 0;
  }

  @Command(
      name = "test",
      description =
          "Fetch a provider's discovery document and keys and print what is missing (exit 1 when"
              + " something is).")
  int test(@Parameters(paramLabel = "ID") String id) {
    try (Gatehouse gatehouse = main.open()) {
      UpstreamProvider provider = find(gatehouse, id);
      UpstreamSignIn.Check check = gatehouse.upstream().check(provider);
      check.lines().forEach(System.out::println);
      return check.ok() ? 0 : 1;
    }
  }

  /** A repeatable option's values as a list field; nothing when the option was not given. */
  private static void putAll(ObjectNode definition, String field, List<String> values) {
    if (values != null) {
      values.forEach(definition.putArray(field)::add);
    }
  }

  private static UpstreamProvider find(Gatehouse gatehouse, String id) {
    return gatehouse
        .upstream()
        .provider(id)
        .orElseThrow(
            () -> new Main.CliException("no identity provider " + id + "; see gatehouse idp list"));
  }

  private static void print(UpstreamSignIn upstream, UpstreamProvider p, String source) {
    String row = "  %-20s %s%n";
    System.out.printf(row, "id", p.id());
    System.out.printf(row, "name", p.name());
    System.out.printf(row, "source", source);
    System.out.printf(row, "type", p.oauth2().isPresent() ? "oauth2" : "oidc");
    System.out.printf(row, "issuer", p.issuer());
    p.oauth2()
        .ifPresent(
            o -> {
              System.out.printf(row, "authorization", o.authorization());
              System.out.printf(row, "token", o.token());
              System.out.printf(row, "userinfo", o.userinfo());
              System.out.printf(row, "subject claim", p.subjectClaim());
            });
    System.out.printf(row, "client id", p.clientId());
    System.out.printf(row, "client secret", "set (never shown)");
    System.out.printf(row, "scopes", String.join(" ", p.scopes()));
    System.out.printf(row, "accounts", p.accounts().name().toLowerCase(Locale.ROOT));
    if (!p.domains().isEmpty()) {
      System.out.printf(row, "domains", String.join(", ", p.domains()));
    }
    System.out.printf(row, "trust email", p.trustEmail());
    System.out.printf(row, "trust mfa", p.trustMfa());
    System.out.printf(
        row,
        "claims",
        "username="
            + p.usernameClaim()
            + " email="
            + p.emailClaim()
            + " name="
            + p.nameClaim()
            + " groups="
            + (p.groupsClaim().isEmpty() ? "(none)" : p.groupsClaim()));
    if (!p.allowedGroups().isEmpty()) {
      System.out.printf(row, "allowed groups", String.join(", ", p.allowedGroups()));
    }
    System.out.printf(row, "end session", p.endSession());
    System.out.printf(row, "drop missing", p.dropMissingGroups());
    System.out.printf(row, "redirect URI", upstream.redirectUri(p));
  }
}
